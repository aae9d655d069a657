# alert-triage: multi-stage build, non-root runtime.
# Not built on the development machines (they have no Docker engine). test/integration/image-layout.test.ts
# lays out exactly what the runtime stage's COPY lines copy (this file is parsed), built as the build stage
# builds it, with production dependencies only, and runs `topics` and `run` from there against the test broker
# until /readyz answers 200 — so a file or folder `run` needs and the image lacks fails the test suite.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The Avro contracts: the codec loads them at start (`run` exits with ENOENT without them).
COPY schemas ./schemas
# The sample week and reference config: compose's demo producer replays the week, and its catalog is the config.
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/alert-triage.js"]
CMD ["run"]
