#!/usr/bin/env node
// The operator CLI. Runs the compiled code in dist/ (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('tsunagi: dist/ is missing; run `npm run build` (npm ci does it) first');
  process.exit(2);
}
await import(entry);
