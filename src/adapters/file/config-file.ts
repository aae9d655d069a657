// Loads a config file (YAML or JSON) and validates it once.
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
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
    const size = statSync(path).size;
    if (size > MAX_CONFIG_BYTES)
      throw new ConfigError([`file is ${size} bytes, over the ${MAX_CONFIG_BYTES} limit`], path);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([`cannot read: ${(e as Error).message}`], path);
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(
      [`not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`],
      path,
    );
  }
  return parseConfig(withEnvironment(doc, env), path);
}
