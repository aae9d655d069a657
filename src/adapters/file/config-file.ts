// Loads a config file (YAML or JSON) and validates it once.
import { readFileSync, statSync } from 'node:fs';
import { isScalar, parseDocument, visit } from 'yaml';
import { type Config, ConfigError, parseConfig, withEnvironment } from '../../config.ts';

export const MAX_CONFIG_BYTES = 4 << 20;

/** `env` (the service's environment) is laid over the file; the offline commands pass none. */
export function loadConfigFile(
  path: string | undefined,
  env: Record<string, string | undefined> = {},
): Config {
  if (path === undefined)
    return parseConfig(withEnvironment({}, env), 'configuration (defaults and environment)');
  let text: string;
  try {
    const stats = statSync(path);
    if (stats.isDirectory())
      throw new ConfigError(
        ['is a directory: give the YAML or JSON config file (e.g. catalog.yaml) in it'],
        path,
      );
    if (stats.size > MAX_CONFIG_BYTES)
      throw new ConfigError([`file is ${stats.size} bytes, over the ${MAX_CONFIG_BYTES} limit`], path);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [
        code === 'ENOENT'
          ? 'cannot read: no such file; check the path given to --config'
          : `cannot read: ${(e as Error).message}`,
      ],
      path,
    );
  }
  let doc: unknown;
  try {
    doc = text.trim() === '' ? null : path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(
      [`not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`],
      path,
    );
  }
  // An empty file (or one of comments only) is refused rather than read as "all defaults": it is more
  // often the wrong file, or one a tool truncated, than a wish for an empty catalog, and scoring every
  // model at the defaults (revenue 0) would look like an answer. Leaving out --config asks for defaults.
  if (doc === null || doc === undefined) {
    throw new ConfigError(
      [
        'the file is empty (no keys): give a config with at least `models:`, or leave out --config to use the built-in defaults',
      ],
      path,
    );
  }
  return parseConfig(withEnvironment(doc, env), path);
}

/**
 * YAML → plain data, refusing a key twice in a map as `yaml` does by default. Its own check compares
 * each key with every earlier key of the map: quadratic, ~2.5 s of a service's start-up for a
 * 10,000-model catalog. The same check with a Set per map is linear.
 */
function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw doc.errors[0];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = pair.key.value;
        if (seen.has(k)) {
          const at = pair.key.range?.[0] ?? 0;
          const line = text.slice(0, at).split('\n').length;
          throw new Error(`Map keys must be unique: ${JSON.stringify(k)} at line ${line}`);
        }
        seen.add(k);
      }
    },
  });
  return doc.toJS({ maxAliasCount: 100 });
}
