// The npm registry reachable here serves only the linux-x64/arm64 builds of packages that ship one binary
// package per platform (@swc/core, unrs-resolver). `npm install` then leaves the other platforms out of
// package-lock.json, and `npm ci` refuses the lock as out of sync. This adds those entries back with their
// os/cpu/libc, so npm ci skips them as foreign platforms. Run it after every `npm install`:
//   npm install ... && node .ci/lock-platform-stubs.mjs /tmp/missing.txt
// where the file lists the names `npm ci --dry-run` reports as "Missing: <name>@ from lock file".
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const missing = readFileSync(process.argv[2], 'utf8').split(/\s+/).filter(Boolean).map((n) => n.replace(/@$/, ''));
const wanted = new Map();
for (const meta of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) if (missing.includes(name)) wanted.set(name, { version, dev: Boolean(meta.dev) });
}
const PLATFORM = /-(darwin|linux|win32|android|freebsd|openharmony)-(arm64|x64|arm|ia32|ppc64|s390x|loong64|riscv64)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/;
for (const name of missing) {
  const m = PLATFORM.exec(name);
  const found = wanted.get(name);
  if (!m || !found) throw new Error(`${name}: not a per-platform optional dependency this script knows`);
  const [, os, cpu, abi] = m;
  lock.packages[`node_modules/${name}`] = {
    version: found.version, cpu: [cpu], ...(found.dev ? { dev: true } : {}),
    ...(os === 'linux' ? { libc: [abi?.includes('musl') ? 'musl' : 'glibc'] } : {}), optional: true, os: [os],
  };
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${missing.length} platform entries`);
