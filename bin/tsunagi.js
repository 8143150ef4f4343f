#!/usr/bin/env node
// The operator CLI. Runs the compiled code in dist/ (built by `npm ci` / `npm run build`) on the project's
// pinned Node.js 22: started by another Node (a global `npm link` on the system's Node 20), it hands over to it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    console.error(`tsunagi needs Node.js >= 22.17 (this is ${process.version}) and the project's pinned Node is missing: run npm ci`);
    process.exit(2);
  }
  const child = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const entry = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('tsunagi: dist/ is missing; run `npm run build` (npm ci does it) first');
  process.exit(2);
}
// Compiled code is cached on disk between runs (Node >= 22.1): a command starts in a fraction of the time.
module.enableCompileCache?.();
await import(entry);
