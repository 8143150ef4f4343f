// Stopping and starting a simulator through the sandbox's control endpoint, as `tsunagi sandbox stop|start` does
// from another process: its address refuses connections while stopped and answers at the same address after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSandbox, SANDBOX_START, SANDBOX_STOP, type Sandbox } from './index.js';

let dir: string;
let owner: Sandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-sandbox-'));
  owner = await openSandbox({ dataDir: dir, rateLimits: false });
});

afterAll(async () => {
  await owner?.close();
  rmSync(dir, { recursive: true, force: true });
});

const reachable = (url: string) => fetch(url, { signal: AbortSignal.timeout(2000) }).then(() => true, () => false);

it('another process stops a simulator and starts it again at the same address', async () => {
  const other = await openSandbox({ dataDir: dir, rateLimits: false });
  expect(other.owner).toBe(false);
  const url = other.urls.rakuten!;
  expect(await reachable(url)).toBe(true);
  await other.call('rakuten', SANDBOX_STOP);
  expect(await reachable(url)).toBe(false);
  await other.call('rakuten', SANDBOX_START);
  expect(await reachable(url)).toBe(true);
});

it('the notification simulator comes back with its SMTP port too', async () => {
  const url = new URL(owner.urls.notify!);
  const smtpPort = url.searchParams.get('smtp_port');
  await owner.call('notify', SANDBOX_STOP);
  expect(await reachable(url.origin)).toBe(false);
  await owner.call('notify', SANDBOX_START);
  expect(await reachable(url.origin)).toBe(true);
  expect(String(owner.simulators!.notify.email.port)).toBe(smtpPort);
});

it('refuses a system without a simulator', async () => {
  await expect(owner.call('nosuch', SANDBOX_STOP)).rejects.toThrow('sandbox: nosuch.stop is not a control method');
});
