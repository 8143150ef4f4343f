// `tsunagi logs --run ID` as an operator runs it, the real CLI against a real database in sandbox mode: two syncs,
// then each run's log: its own lines (those naming it and what its command logged before the run began, sharing
// its correlation id), never the other run's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

interface Entry { msg: string; correlationId?: string; runId?: number; command?: string }

describe('tsunagi logs --run', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-logs-run-'));
  beforeAll(async () => {
    t = await createTestDatabase();
    env = cliEnv({ DATABASE_URL: t.url, TSUNAGI_DATA_DIR: join(dir, 'data'), TSUNAGI_LOG_DIR: join(dir, 'logs') });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a sync's lines, including its command's before the run began, and not another run's", async () => {
    const sync = async () => {
      const r = await runCli(['--json', 'sync'], env);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      return (JSON.parse(r.stdout) as { runId: number }).runId;
    };
    const first = await sync();
    const second = await sync();
    expect(second).not.toBe(first);

    const logs = async (runId: number) => {
      const r = await runCli(['--json', 'logs', '--run', String(runId), '-n', '10000'], env);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Entry[];
    };
    for (const [mine, other] of [[first, second], [second, first]] as const) {
      const entries = await logs(mine);
      const msgs = entries.map((e) => e.msg);
      // The command's line before the run began (no run id yet), the run's, and the command's last.
      expect(msgs[0]).toBe('tsunagi sync started');
      expect(entries[0]!.runId).toBeUndefined();
      expect(msgs).toEqual(expect.arrayContaining(['run started', 'run finished']));
      expect(entries.at(-1)).toMatchObject({ msg: 'tsunagi sync (exit 0)', runId: mine });
      // One command, one id; nothing of the other run.
      expect(new Set(entries.map((e) => e.correlationId)).size).toBe(1);
      expect(entries.some((e) => e.runId === other)).toBe(false);
    }
    // Readable, as an operator reads it: each line with a time in the configured timezone.
    const text = await runCli(['logs', '--run', String(first)], env);
    expect(text.stdout).toMatch(/\+09:00 INFO  tsunagi sync started[\s\S]*\+09:00 INFO  run started/);
    expect(text.stdout).toContain(`runId=${first}`);
    expect(text.stdout).not.toContain(`runId=${second}`);
  }, 180_000);
});
