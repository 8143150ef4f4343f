// `npm start` rebuilds the dashboard only when something in web/ changed since dist/web was built (vite takes
// seconds; the TypeScript side is checked by `tsc -b` the same way), so a restart is quick.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('.', import.meta.url));
const built = statSync(join(web, '../dist/web/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const newest = (dir) =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
if (newest(web) > built) {
  const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
