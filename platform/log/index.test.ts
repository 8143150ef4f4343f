import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger } from './index.js';

describe('log file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines with readable times, secrets and personal data redacted at any known depth', async () => {
    const logger = createLogger({ dir, file: 'inventory_sync.log', quiet: true, timezone: 'Asia/Tokyo' });
    logger.info(
      {
        clientSecret: 'cs-123', outcome: { headers: { authorization: 'Bearer abc', 'x-amz-access-token': 'Atza|zzz' } },
        config: { refreshToken: 'rt-456', licenseKey: 'lk-789' }, order: { email: 'buyer@example.com' }, sku: 'AMZ-1',
      },
      'call',
    );
    await closeLogger(logger);
    // The live file has the name the operations manual gives (tail -f logs/inventory_sync.log).
    expect(readdirSync(dir).filter((f) => f.endsWith('.log'))).toEqual(['inventory_sync.log']);
    const text = readFileSync(join(dir, 'inventory_sync.log'), 'utf8');
    const line = JSON.parse(text.trim().split('\n').pop()!);
    expect(line.sku).toBe('AMZ-1');
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00$/);
    expect(Math.abs(Date.parse(line.time) - Date.now())).toBeLessThan(60_000);
    for (const secret of ['cs-123', 'Bearer abc', 'Atza|zzz', 'rt-456', 'lk-789', 'buyer@example.com']) expect(text).not.toContain(secret);
    expect(line.config.refreshToken).toBe('[REDACTED]');
    expect(line.outcome.headers['x-amz-access-token']).toBe('[REDACTED]');
  });

  it('rotates by size into dated, numbered files while the live file keeps its name', async () => {
    const rotating = mkdtempSync(join(dir, 'rotating-'));
    const logger = createLogger({ dir: rotating, file: 'inventory_sync.log', quiet: true, maxSize: '1k', keepFiles: 3 });
    for (let i = 0; i < 60; i++) {
      logger.info({ i, filler: 'x'.repeat(100) }, 'line');
      await new Promise((r) => setImmediate(r));
    }
    await closeLogger(logger);
    const files = readdirSync(rotating).filter((f) => f.endsWith('.log')).sort();
    expect(files).toContain('inventory_sync.log');
    const rotated = files.filter((f) => f !== 'inventory_sync.log');
    expect(rotated.length).toBeGreaterThan(0);
    expect(rotated.length).toBeLessThanOrEqual(3);
    for (const f of rotated) expect(f).toMatch(/^inventory_sync\.\d{4}-\d\d-\d\d\.\d+\.log$/);
  });
});
