// Correlation ids on real work: a stock run against the simulators, logged by the real logger to a file and read
// back as `tsunagi logs --run` reads it; and the id on the wire of the one HTTP client.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../app/context.js';
import { createTestApp, seed, type TestApp } from '../../test/support/app.js';
import { HttpClient } from '../http/index.js';
import { CORRELATION_HEADER, correlated, currentCorrelation } from './correlation.js';
import { closeLogger, createLogger } from './index.js';
import { liveLogFiles, readLast } from './read.js';

let app: TestApp;
let dir: string;
beforeAll(async () => {
  app = await createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-correlation-'));
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a run\'s lines and its connector calls\' lines share one id, and the run\'s log finds the lines before it began', async () => {
  const logger = createLogger({ dir, file: 'inventory_sync.log', quiet: true, level: 'debug' });
  const ctx = await createContext({ config: app.ctx.config, databaseUrl: app.t.url, sandbox: app.sandbox, logger });
  let runId: number;
  try {
    await seed(app, Array.from({ length: 3 }, (_, i) => ({ sku: `COR-${i}`, quantity: 20 })), 50);
    // As a CLI command or a job starts its work: a line before the run exists, then the run.
    ({ runId } = await correlated(async () => {
      logger.info('sync asked for');
      return ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'cli' });
    }));
    // Other work, in between and after: not the run's.
    await correlated(async () => logger.info('something else'));
  } finally {
    await ctx.close();
    await closeLogger(logger);
  }
  const lines = await readLast(liveLogFiles(dir), { runId }, 1000);
  const ids = new Set(lines.map((e) => e.fields.correlationId));
  expect(ids.size).toBe(1);
  expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(lines[0]!.msg).toBe('sync asked for');
  expect(lines.map((e) => e.msg)).toEqual(expect.arrayContaining(['run started', 'external call']));
  // The calls to the source and to both malls, each line with the run's id.
  const calls = lines.filter((e) => e.msg === 'external call');
  expect(new Set(calls.map((e) => (e.fields.outcome as { system: string }).system))).toEqual(new Set(['amazon', 'yahoo', 'rakuten']));
  expect(calls.every((e) => e.fields.runId === runId)).toBe(true);
  expect(lines.map((e) => e.msg)).not.toContain('something else');
});

it('the HTTP client sends the id; a caller\'s id is kept only when it is plain and short', async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers[CORRELATION_HEADER] as string | undefined);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new HttpClient({ system: 'peer', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    await correlated(() => client.request({ url: '/a', operation: 'a' }), 'req-42');
    await client.request({ url: '/b', operation: 'b' });
    await correlated(async () => {
      expect(currentCorrelation()!.id).not.toContain('\n');
      await client.request({ url: '/c', operation: 'c' });
    }, 'bad\nid');
    expect(seen[0]).toBe('req-42');
    expect(seen[1]).toBeUndefined();
    expect(seen[2]).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
