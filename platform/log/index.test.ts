import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from './index.js';

describe('log file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines with secrets and personal data redacted at any known depth', async () => {
    const logger = createLogger({ dir, file: 'inventory_sync.log', quiet: true });
    logger.info(
      {
        clientSecret: 'cs-123', outcome: { headers: { authorization: 'Bearer abc', 'x-amz-access-token': 'Atza|zzz' } },
        config: { refreshToken: 'rt-456', licenseKey: 'lk-789' }, order: { email: 'buyer@example.com' }, sku: 'AMZ-1',
      },
      'call',
    );
    let text = '';
    for (let i = 0; i < 50 && !text.includes('"call"'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const file = readdirSync(dir).find((f) => f.startsWith('inventory_sync'));
      text = file ? readFileSync(join(dir, file), 'utf8') : '';
    }
    const line = JSON.parse(text.trim().split('\n').pop()!);
    expect(line.sku).toBe('AMZ-1');
    for (const secret of ['cs-123', 'Bearer abc', 'Atza|zzz', 'rt-456', 'lk-789', 'buyer@example.com']) expect(text).not.toContain(secret);
    expect(line.config.refreshToken).toBe('[REDACTED]');
    expect(line.outcome.headers['x-amz-access-token']).toBe('[REDACTED]');
  });
});
