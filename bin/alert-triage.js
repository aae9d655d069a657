#!/usr/bin/env node
// Launcher: runs the TypeScript source directly in a checkout (Node 24 strips types), and the
// compiled dist/ when installed as a package (Node does not strip types under node_modules).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `alert-triage needs Node.js 24 or later (this is ${process.version}). ` +
      'In a checkout, run it through npm (npx alert-triage, npm run …), which uses the pinned Node 24.\n',
  );
  process.exit(1);
}
const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', 'src', 'cli.ts');
const entry =
  existsSync(source) && !here.split(/[\\/]/).includes('node_modules')
    ? source
    : join(here, '..', 'dist', 'cli.js');
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
