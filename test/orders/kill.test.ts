// kill -9 between the acknowledgement of a push and the OMS call (issue 12): the simulators in a process of their
// own (they survive the kill), the hub (gateway and order pipeline) in another. The OMS is down, so the order
// waits in the outbox; the hub is killed with SIGKILL, the OMS comes back, a new hub process starts: the order
// reaches the OMS exactly once, and the same push sent to the new hub changes nothing. Runs dist/ (`npm run build` first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config.js';
import { openSandbox, type Sandbox } from '../../connectors/sandbox/index.js';
import { pushSignature } from '../../connectors/shopee/push.js';
import type { SimOrder } from '../../connectors/shopee/simulator-orders.js';
import { SHOPEE_SANDBOX_PARTNER } from '../../connectors/shopee/simulator.js';
import type { Config } from '../../platform/config/index.js';
import { waitFor } from '../graphql/support.js';
import { withTestPolicy } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startHub, startSimulators, type Child } from '../support/processes.js';

type Ready = { ready: true; webhooks: string };
type OmsOrder = { id: string; external_order_id: string; status: string };
type OutboxRow = { kind: string; state: string; attempts: number; last_error: string | null; due_in_ms: number };

let dataDir: string;
let t: TestDatabase;
let sims: Child;
let sandbox: Sandbox;
let config: Config;
const hubs: Child[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tsunagi-orders-kill-'));
  t = await createTestDatabase();
  sims = await startSimulators(dataDir);
  sandbox = await openSandbox({ dataDir, rateLimits: false });
  const base = withTestPolicy(loadConfig('config/config.yaml', { ...process.env, DATABASE_URL: t.url, TSUNAGI_DATA_DIR: dataDir }));
  // Retries a second apart: the new hub sends the order soon after it starts.
  const retry = { maxAttempts: 10, backoffSeconds: 1, maxBackoffSeconds: 2 };
  config = { ...base, orders: { ...base.orders, inbox: retry, outbox: retry } };
}, 60_000);

afterAll(async () => {
  for (const hub of hubs) await hub.kill('SIGKILL');
  await sims?.kill('SIGTERM');
  await t?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const startOrderHub = async (name: string) => {
  const { hub, ready } = await startHub<Ready>({ config, databaseUrl: t.url, dataDir, role: 'orders' }, name);
  hubs.push(hub);
  return { hub, webhooks: ready.webhooks };
};
const omsOrders = async (orderSn: string) => (await sandbox.call<OmsOrder[]>('oms', 'listOrders')).filter((o) => o.external_order_id === orderSn);
/** The order's calls to the OMS waiting in the outbox, with how long until each may be taken (negative: due). */
const outbox = (orderSn: string) => t.db.em().execute<OutboxRow[]>(
  `select b.kind, b.state, b.attempts, b.last_error, (extract(epoch from b.next_attempt_at - now()) * 1000)::int as due_in_ms
     from order_outbox b join orders o on o.id = b.order_id where o.order_sn = ? and b.kind like 'oms.%'`,
  [orderSn],
);

test('a kill -9 between the ack and the OMS call: after a restart the order reaches the OMS once', async () => {
  const a = await startOrderHub('hub-a');
  await sandbox.call('shopee', 'addItem', 'SG', { item_sku: 'AMZ-000001', stock: 50 });
  await sandbox.call('oms', 'down', 600);

  // The push is acknowledged (written to the inbox first); the order is fetched and recorded, its OMS call refused.
  const { order, push } = await sandbox.call<{ order: SimOrder; push: { status: number; url: string; body: string } | null }>('shopee', 'placeOrder', 'SG', 'AMZ-000001', 2, { price: 12.5 });
  expect(push).toMatchObject({ status: 204, url: `${a.webhooks}/webhooks/shopee` });
  // Killed once the push is worked off (the inbox message done) and the call waits for its retry, not while a
  // worker holds either (a claim lasts its lease, minutes): asked and killed back to back, well before the retry.
  const waiting = await waitFor(async () => {
    const [row] = await outbox(order.order_sn);
    const [push] = await t.db.em().execute<{ state: string }[]>('select state from order_inbox where order_ref = ?', [order.order_sn]);
    return push?.state === 'done' && row && row.state === 'pending' && row.attempts >= 1 && row.due_in_ms > 300 && row.due_in_ms < 60_000 ? row : undefined;
  }, 20_000, 'the push worked off and the OMS call refused, waiting for its retry');
  await a.hub.kill('SIGKILL');
  expect(waiting).toMatchObject({ kind: 'oms.create', last_error: expect.stringMatching(/503|down/) });
  expect(await omsOrders(order.order_sn)).toEqual([]);

  await sandbox.call('oms', 'clearFaults');
  const b = await startOrderHub('hub-b');
  const [created] = await waitFor(async () => {
    const found = await omsOrders(order.order_sn);
    return found.length > 0 ? found : undefined;
  }, 20_000, 'the order in the OMS');
  await waitFor(async () => ((await outbox(order.order_sn)).every((r) => r.state === 'done') ? true : undefined), 10_000, 'the outbox call settled');

  // The same push again, to the new hub: the inbox already holds it.
  const url = `${b.webhooks}/webhooks/shopee`;
  const again = await fetch(url, { method: 'POST', body: push!.body, headers: { authorization: pushSignature(SHOPEE_SANDBOX_PARTNER.partnerKey, url, push!.body), 'content-type': 'application/json' } });
  expect(again.status).toBe(204);
  const queues = await waitFor(async () => {
    const [q] = await t.db.em().execute<{ inbox: number; outbox: number }[]>(
      `select (select count(*)::int from order_inbox where state <> 'done') as inbox, (select count(*)::int from order_outbox where state <> 'done') as outbox`,
    );
    return q!.inbox + q!.outbox === 0 ? q : undefined;
  }, 10_000, 'the inbox and the outbox drained');
  expect(queues).toEqual({ inbox: 0, outbox: 0 });

  expect(await omsOrders(order.order_sn)).toEqual([created]);
  const [ours] = await t.db.em().execute<{ status: string; oms_order_id: string }[]>('select status, oms_order_id from orders where order_sn = ?', [order.order_sn]);
  expect(ours).toEqual({ status: 'confirmed', oms_order_id: created!.id });
  const [inbox] = await t.db.em().execute<{ n: number }[]>('select count(*)::int as n from order_inbox where order_ref = ?', [order.order_sn]);
  expect(inbox!.n).toBe(1);
}, 60_000);
