// The gateway's protections, end to end over real HTTP and graphql-ws: a gateway configured only through the
// config's `gateway:` section (limits, introspection, JWT secret), CSRF prevention, and the manager-only approval
// of allocation rules.
import { startGateway, type RunningGateway } from '../../gateway/index.js';
import { gql, JWT_SECRET, seedDemo, startHarness, token, within, withGatewayConfig, wsClient, type Harness } from './support.js';

const MAX_BODY = 64 * 1024;
/** `{ product(sku) { sku } }` costs 2 (two fields): five a minute. */
const COST_PER_MINUTE = 10;
const CHEAP = '{ product(sku: "AMZ-000001") { sku } }';

let h: Harness;
/** Configured by the config's gateway section alone: a cost of 10 a minute per client, 64 KiB bodies, no introspection. */
let strict: RunningGateway;

beforeAll(async () => {
  h = await startHarness({ introspection: true });
  await seedDemo(h.app);
  const { gateway } = h.app.ctx.config;
  strict = await startGateway(withGatewayConfig(h.app.ctx, {
    port: 0,
    host: '127.0.0.1',
    introspection: false,
    jwt: { ...gateway.jwt, secret: new TextDecoder().decode(JWT_SECRET) },
    limits: { ...gateway.limits, maxCost: COST_PER_MINUTE, costPerMinute: COST_PER_MINUTE, maxBodyBytes: MAX_BODY },
  }));
});

afterAll(async () => {
  await strict?.close();
  await h?.close();
});

const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('per-client rate limit, charged by cost', () => {
  test('over the limit a client gets 429 RATE_LIMITED with Retry-After; other clients are unaffected', async () => {
    const busy = await token('partner', 'busy-partner');
    for (let i = 0; i < COST_PER_MINUTE / 2; i++) {
      const ok = await gql(strict.url, CHEAP, {}, busy);
      expect(ok.status).toBe(200);
    }
    const res = await fetch(strict.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${busy}` },
      body: JSON.stringify({ query: CHEAP }),
    });
    expect(res.status).toBe(429);
    // A minute's allowance refills evenly: a cost of 2 in 60 × 2 / 10 = 12 s at most.
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual((60 * 2) / COST_PER_MINUTE);
    expect((await res.json()).errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });

    // Subscriptions count against the same allowance.
    const client = wsClient(strict.wsUrl, busy);
    try {
      const refused = client.iterate({ query: 'subscription { stockChanged { sku } }' });
      const err = await within(refused.next().then(() => null, (e: unknown) => e), 5000, 'the refusal');
      expect(err).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })]);
    } finally {
      await client.dispose();
    }

    const other = await gql(strict.url, CHEAP, {}, await token('partner', 'quiet-partner'));
    expect(other.status).toBe(200);
    expect(other.body.data).toEqual({ product: { sku: 'AMZ-000001' } });
  });

  test('a costly query spends the allowance of many cheap ones', async () => {
    const costly = await token('partner', 'costly-partner');
    // The field, 3 list items and 3 × 2 fields under it: 10, the whole minute's allowance at once.
    const first = await gql(strict.url, '{ simulateAllocation(quantities: [1, 2, 3]) { quantity allocated } }', {}, costly);
    expect(first.body.errors).toBeUndefined();
    expect((await gql(strict.url, CHEAP, {}, costly)).status).toBe(429);
  });
});

describe('introspection', () => {
  test('refused where the config leaves it off, over HTTP and WebSocket', async () => {
    const operator = await token('operator', 'introspection-1');
    const res = await gql(strict.url, INTROSPECTION, {}, operator);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/introspection is off on this server; set TSUNAGI_GRAPHQL_INTROSPECTION=true/);

    const client = wsClient(strict.wsUrl, operator);
    try {
      // A validation error: graphql-ws answers with an error message, which the client throws.
      const refused = await within(client.iterate({ query: INTROSPECTION }).next().then(() => null, (e: unknown) => e), 5000, 'the WebSocket answer');
      expect(refused).toEqual([expect.objectContaining({
        message: expect.stringMatching(/introspection is off on this server; set TSUNAGI_GRAPHQL_INTROSPECTION=true/),
        extensions: expect.objectContaining({ code: 'INTROSPECTION_DISABLED' }),
      })]);
    } finally {
      await client.dispose();
    }
  });

  test('answered where enabled', async () => {
    const res = await gql(h.gateway.url, INTROSPECTION, {}, await token('operator'));
    expect(res.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('CSRF prevention', () => {
  const query = encodeURIComponent('{ product(sku: "AMZ-000001") { sku } }');

  test('a simple GET (no preflight header) is refused; with one it is answered', async () => {
    const bearer = { authorization: `Bearer ${await token('partner', 'csrf-1')}` };
    const simple = await fetch(`${strict.url}?query=${query}`, { headers: bearer });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/Cross-Site Request Forgery/);

    const preflighted = await fetch(`${strict.url}?query=${query}`, { headers: { ...bearer, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(await preflighted.json()).toEqual({ data: { product: { sku: 'AMZ-000001' } } });
  });

  test('a POST with a form content type is refused and runs nothing', async () => {
    const bearer = `Bearer ${await token('operator', 'csrf-2')}`;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(strict.url, {
        method: 'POST', headers: { 'content-type': type, authorization: bearer },
        body: JSON.stringify({ query: 'mutation { runStockSync(dryRun: true) { runId } }' }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/Cross-Site Request Forgery/);
    }
    expect(await h.app.ctx.inventory.history.listRuns()).toEqual([]);
  });
});

describe('request size limit', () => {
  const big = (bytes: number) => JSON.stringify({ query: `{ product(sku: "${'x'.repeat(bytes)}") { sku } }` });

  test('a body over the limit is refused with 413, declared or streamed', async () => {
    const bearer = `Bearer ${await token('operator', 'size-1')}`;
    const declared = await fetch(strict.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: bearer }, body: big(MAX_BODY) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    // Chunked, no content-length: counted as it arrives.
    const body = new Blob([big(MAX_BODY)]).stream();
    const streamed = await fetch(strict.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: bearer }, body, duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);

    const small = await gql(strict.url, '{ product(sku: "AMZ-000001") { sku } }', {}, (await token('operator', 'size-2')));
    expect(small.status).toBe(200);
  });

  test('a WebSocket message over the limit closes the socket (1009)', async () => {
    const client = wsClient(strict.wsUrl, await token('operator', 'size-3'));
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const sub = client.iterate({ query: `subscription { stockChanged(skus: ["${'x'.repeat(MAX_BODY)}"]) { sku } }` });
    const err = await within(sub.next().then(() => null, (e: unknown) => e), 5000, 'the socket to close');
    expect(err).not.toBeNull();
    expect(await closed).toBe(1009);
    await client.dispose();
  });
});

describe('allocation rule approval', () => {
  const PROPOSE = 'mutation($tiers: [AllocationTierInput!]!) { proposeAllocationRules(tiers: $tiers) { id status proposedBy } }';
  const APPROVE = 'mutation($id: Int!) { approveAllocationRules(proposalId: $id) { id status decidedBy } }';
  const SIMULATE = '{ simulateAllocation(quantities: [25, 12, 7, 3, 0]) { quantity allocated } allocationRules { ruleSetId } }';
  const tiers = [{ min: 10, share: '1/2' }, { min: 1, max: 9, share: '1/3' }, { min: 0, max: 0, share: '0/1' }];

  test('operators may not approve, nobody approves their own proposal, a manager puts it in force', async () => {
    const operator = await token('operator', 'op-alice');
    const proposed = await gql(h.gateway.url, PROPOSE, { tiers }, operator);
    expect(proposed.body.errors).toBeUndefined();
    const { id } = proposed.body.data!.proposeAllocationRules;
    expect(proposed.body.data!.proposeAllocationRules).toEqual({ id, status: 'PROPOSED', proposedBy: 'op-alice' });
    const before = await gql(h.gateway.url, SIMULATE, {}, operator);
    // The manual's default tiers: >=20 → 1/5, 10–19 → 1/4, 6–9 → 1/3, 1–5 → 1/2.
    expect(before.body.data).toEqual({
      simulateAllocation: [{ quantity: 25, allocated: 5 }, { quantity: 12, allocated: 3 }, { quantity: 7, allocated: 2 }, { quantity: 3, allocated: 1 }, { quantity: 0, allocated: 0 }],
      allocationRules: { ruleSetId: null },
    });

    const byOperator = await gql(h.gateway.url, APPROVE, { id }, await token('operator', 'op-bob'));
    expect(byOperator.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(byOperator.body.data).toBeNull();

    const managerOwn = await gql(h.gateway.url, PROPOSE, { tiers }, await token('manager', 'mgr-carol'));
    const own = await gql(h.gateway.url, APPROVE, { id: managerOwn.body.data!.proposeAllocationRules.id }, await token('manager', 'mgr-carol'));
    expect(own.body.errors?.[0]?.extensions?.code).toBe('RULE_CHANGE_REFUSED');
    expect(own.body.errors?.[0]?.message).toBe(`mgr-carol proposed rule set ${managerOwn.body.data!.proposeAllocationRules.id} and may not decide on it`);

    // Nothing above changed the tiers in force.
    expect((await gql(h.gateway.url, SIMULATE, {}, operator)).body.data).toEqual(before.body.data);

    const approved = await gql(h.gateway.url, APPROVE, { id }, await token('manager', 'mgr-dave'));
    expect(approved.body).toEqual({ data: { approveAllocationRules: { id, status: 'APPROVED', decidedBy: 'mgr-dave' } } });
    expect((await gql(h.gateway.url, SIMULATE, {}, operator)).body.data).toEqual({
      simulateAllocation: [{ quantity: 25, allocated: 12 }, { quantity: 12, allocated: 6 }, { quantity: 7, allocated: 2 }, { quantity: 3, allocated: 1 }, { quantity: 0, allocated: 0 }],
      allocationRules: { ruleSetId: id },
    });
  });

  test("a policy of any kind is proposed per source, shown with the source's policy in force, and put in force by a manager", async () => {
    const PROPOSE_POLICY = 'mutation($s: String!, $p: StockPolicyInput!) { proposeStockPolicy(source: $s, policy: $p, reason: "yahoo sells more") { id source status policy { kind weights { channel weight } buffer } } }';
    const POLICIES = '{ stockPolicies { source channels ruleSetId policy { kind tiers { min } weights { channel weight } buffer } pending { id policy { kind } } } }';
    const operator = await token('operator', 'op-erin');
    const weights = [{ channel: 'yahoo', weight: 2 }, { channel: 'rakuten', weight: 1 }];
    const proposed = await gql(h.gateway.url, PROPOSE_POLICY, { s: 'amazon', p: { kind: 'split', weights } }, operator);
    expect(proposed.body.errors).toBeUndefined();
    const { id } = proposed.body.data!.proposeStockPolicy;
    expect(proposed.body.data!.proposeStockPolicy).toEqual({ id, source: 'amazon', status: 'PROPOSED', policy: { kind: 'split', weights, buffer: null } });

    const shown = (await gql(h.gateway.url, POLICIES, {}, operator)).body.data!.stockPolicies;
    const shops = ['SG', 'MY', 'TH', 'TW', 'PH', 'VN', 'BR'].map((c) => `shopee:${c}`);
    expect(shown).toEqual([{
      source: 'amazon', channels: ['yahoo', 'rakuten'], ruleSetId: expect.any(Number), policy: { kind: 'tiers', tiers: expect.any(Array), weights: [], buffer: null },
      pending: expect.arrayContaining([{ id, policy: { kind: 'split' } }]),
    }, {
      // The warehouse's configured equal split; no proposal of its own.
      source: 'wms', channels: shops, ruleSetId: null, policy: { kind: 'split', tiers: [], weights: shops.map((channel) => ({ channel, weight: 1 })), buffer: null }, pending: [],
    }]);
    // Partners read the policy in force, not the proposals.
    const partner = await gql(h.gateway.url, '{ stockPolicies { source policy { kind } pending { id } } }', {}, await token('partner', 'p-1'));
    expect(partner.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.gateway.url, '{ stockPolicies { source policy { kind } } }', {}, await token('partner', 'p-1'))).body.data).toEqual({
      stockPolicies: [{ source: 'amazon', policy: { kind: 'tiers' } }, { source: 'wms', policy: { kind: 'split' } }],
    });

    // Bad input names the key; nothing is proposed.
    const refused = async (vars: Record<string, unknown>) => (await gql(h.gateway.url, PROPOSE_POLICY, vars, operator)).body.errors![0]!;
    expect(await refused({ s: 'amazon', p: { kind: 'split', weights: [{ channel: 'outlet', weight: 1 }] } })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'policy' }, message: 'invalid policy: policy.weights.outlet: not a channel of this source (its channels: yahoo, rakuten)',
    });
    expect(await refused({ s: 'amazon', p: { kind: 'shared', buffer: -1 } })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'policy' }, message: expect.stringMatching(/^invalid policy: policy\.buffer: /),
    });
    expect(await refused({ s: 'nowhere', p: { kind: 'shared', buffer: 1 } })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'source' }, message: 'source: unknown stock source "nowhere"; sources: amazon, wms',
    });
    expect((await gql(h.gateway.url, POLICIES, {}, operator)).body.data!.stockPolicies[0].pending.map((p: { id: number }) => p.id)).toContain(id);

    const approved = await gql(h.gateway.url, 'mutation($id: Int!) { approveAllocationRules(proposalId: $id) { status } }', { id }, await token('manager', 'mgr-dave'));
    expect(approved.body.data).toEqual({ approveAllocationRules: { status: 'APPROVED' } });
    const after = (await gql(h.gateway.url, POLICIES, {}, operator)).body.data!.stockPolicies[0];
    expect(after).toMatchObject({ ruleSetId: id, policy: { kind: 'split', weights, buffer: null } });
    expect(after.pending.map((p: { id: number }) => p.id)).not.toContain(id);
    const simulated = await gql(h.gateway.url, '{ simulateAllocation(quantities: [10], source: "amazon") { quantity allocated channels { channel quantity } tier { min } } }', {}, operator);
    expect(simulated.body.data).toEqual({
      simulateAllocation: [{ quantity: 10, allocated: 6, channels: [{ channel: 'yahoo', quantity: 6 }, { channel: 'rakuten', quantity: 3 }], tier: null }],
    });
  });
});
