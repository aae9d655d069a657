# alert-triage: multi-stage build, non-root runtime.
# Not built on the development machines (they have no Docker engine); CI runs the same steps
# (npm ci, npm run build) directly, and checks docker-compose.yml with scripts/check-compose.sh.
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
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/alert-triage.js"]
CMD ["run"]
