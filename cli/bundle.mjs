// The operator CLI as a handful of files (dist/cli-bundle), built from tsc's output in dist/ by rolldown (the
// bundler vite runs on). A command such as `status` loaded about 900 ES modules, and resolving, reading and linking
// them was a third of its time; bundled, it answers in about two thirds of the time. Packages with native code,
// WebAssembly, worker threads or files of their own stay outside and are loaded from node_modules as before;
// dynamic imports stay separate chunks, loaded only by the commands that reach them.
// `--if-changed`: nothing to do when the bundle is newer than tsc's last build (what `npm start` runs).
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/cli-bundle`;
/** Plain JavaScript packages with many modules each (the ORM and its SQL builder alone are over 400; every @mikro-orm package together, or a second copy of its core loads). */
const BUNDLED = /^(kysely|@mikro-orm\/(core|sql|postgresql|migrations)|zod|yaml|commander|is-unsafe|fast-xml-parser|csv-parse|luxon|cron-parser)(\/|$)/;

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (process.argv.includes('--if-changed') && mtime(`${outDir}/index.js`) > mtime(`${root}dist/.tsbuildinfo`)) process.exit(0);

await build({
  input: { index: `${root}dist/cli/index.js` },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !BUNDLED.test(id),
  output: { dir: outDir, format: 'esm', cleanDir: true },
  logLevel: 'warn',
});
