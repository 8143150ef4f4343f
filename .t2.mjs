const T = performance.now(); const lap = (l) => console.error(l, Math.round(performance.now() - T));
const dd = process.env.TSUNAGI_DATA_DIR;
const { openDatabase } = await import('./dist/platform/db/index.js'); lap('import db');
const { openSandbox } = await import('./dist/connectors/sandbox/index.js'); lap('import sandbox');
const db = await openDatabase({ dataDir: dd }); lap('open db');
const sb = await openSandbox({ dataDir: dd }); lap('open sandbox');
await sb.close(); lap('close sb'); await db.close(); lap('close db');
