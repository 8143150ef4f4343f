#!/usr/bin/env node
// The operator CLI. Runs the compiled code in dist/ (built by `npm ci` / `npm run build`) on the project's
// pinned Node.js 22: started by another Node (a global `npm link` on the system's Node 20), it hands over to it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

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

// The CLI bundled (cli/bundle.mjs): a few files to load instead of some 900 modules.
const entry = fileURLToPath(new URL('../dist/cli-bundle/index.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('tsunagi: dist/ is missing; run `npm run build` (npm ci does it) first');
  process.exit(2);
}
// Compiled code is cached on disk between runs (Node >= 22.1): a command starts in a fraction of the time.
module.enableCompileCache?.();
// A command that answers from a few queries, on the embedded database when no hub runs, spent half its CPU on V8
// optimising PGlite's WebAssembly in the background (TurboFan, waited for at exit) for code that runs once: V8's
// baseline compiler alone (Liftoff) answers sooner. Commands that run long (sync, imports) keep the optimiser.
const BRIEF = new Set(['status', 'health', 'simulate', 'logs', 'token', 'rules', 'alerts']);
if (BRIEF.has(process.argv[2])) v8.setFlagsFromString('--liftoff-only');
await import(entry);
