// Contract test: the WMS stream client against WmsSimulator over a real WebSocket on 127.0.0.1, its position and
// state in a real PostgreSQL database: resume, replay, gaps caught up over REST, dead peers, refused keys.
import type { CallOutcome, HttpPolicy } from '../../platform/http/index.js';
import { IntegrationStateStore, type IntegrationState } from '../../platform/integrations/state.js';
import { MappingSet } from '../../platform/transform/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { WmsClient } from './client.js';
import type { WmsConfig } from './config.js';
import { WmsSimulator, wmsSimulatorConfig, type WmsSimulatorOptions } from './simulator.js';
import { STREAM_POSITION_KEY, type StockChange, type StreamTiming, type WmsStream } from './stream.js';

const policy: HttpPolicy = { timeoutMs: 5000, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50 };
const timing: Partial<StreamTiming> = { backoffBaseMs: 20, backoffMaxMs: 200, reportMs: 100 };
const mappings = MappingSet.load('config/data-mappings.json');

let t: TestDatabase;
let sim: WmsSimulator;
const clients: WmsClient[] = [];

/** What a consumer saw: every change in order, with where it came from. */
interface Seen {
  stream: StockChange[];
  catchUp: StockChange[];
  batches: number[];
}

function consumer(seen: Seen, work: (changes: StockChange[]) => Promise<void> = async () => {}) {
  return async (changes: StockChange[], origin: 'stream' | 'catch-up') => {
    await work(changes);
    (origin === 'stream' ? seen.stream : seen.catchUp).push(...changes);
    if (origin === 'stream') seen.batches.push(changes.length);
  };
}

const fresh = (): Seen => ({ stream: [], catchUp: [], batches: [] });

async function startSim(opts: WmsSimulatorOptions = {}) {
  sim = new WmsSimulator({ rateLimit: false, ...opts });
  await sim.listen();
}

function client(state: IntegrationState, config: Partial<WmsConfig> = {}, outcomes?: CallOutcome[]): WmsClient {
  const c = new WmsClient({
    config: { ...wmsSimulatorConfig(sim), rateLimit: { perSecond: 1000, burst: 1000 }, overlapSeconds: 0, ...config },
    mappings, state, policy, onOutcome: (o) => outcomes?.push(o),
  });
  clients.push(c);
  return c;
}

async function open(state: IntegrationState, seen: Seen, extra: Partial<StreamTiming> = {}, work?: (changes: StockChange[]) => Promise<void>): Promise<WmsStream> {
  const stream = client(state).openStream(consumer(seen, work), { ...timing, ...extra });
  await stream.start();
  return stream;
}

async function waitFor(what: string, test: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Connected, and the first start's read of the warehouse done (it sets the position). */
const ready = (stream: WmsStream) => waitFor('the stream ready', () => stream.status().connected && stream.status().lastSeq !== null);

const seqs = (changes: StockChange[]) => changes.map((c) => c.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const newState = () => new IntegrationStateStore(t.db).for(`wms-${Math.random().toString(36).slice(2)}`);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
});

describe('WMS stream', () => {
  it('first start: reads the warehouse whole over REST, then takes each frame once, in order, and keeps its position', async () => {
    await startSim();
    sim.seed(['A', 'B'], 5);
    await new Promise((r) => setTimeout(r, 5));
    sim.setStock('A', 6);
    const state = newState();
    const seen = fresh();
    const stream = await open(state, seen);
    await waitFor('the catch-up', () => seen.catchUp.length === 2);
    expect(seen.catchUp.map((c) => [c.sku, c.available])).toEqual([['B', 5], ['A', 6]]);
    await waitFor('the position after the catch-up', async () => (await state.get<{ seq: number }>(STREAM_POSITION_KEY))?.seq === 1);

    for (let i = 0; i < 5; i++) sim.setStock('B', 10 + i);
    await waitFor('five frames', () => seen.stream.length === 5);
    expect(seqs(seen.stream)).toEqual([2, 3, 4, 5, 6]);
    expect(seen.stream.at(-1)).toEqual({ sku: 'B', available: 14, location: 'TKY-A-01', updatedAt: expect.any(String), seq: 6 });
    await waitFor('the stored position', async () => (await state.get<{ seq: number }>(STREAM_POSITION_KEY))?.seq === 6);
    expect(stream.status()).toMatchObject({ connected: true, lastSeq: 6, gaps: 0 });
  });

  it('dropped twice mid-burst, it resumes after its last frame: every change exactly once, none lost', async () => {
    await startSim();
    const state = newState();
    const seen = fresh();
    const stream = await open(state, seen);
    await ready(stream);
    for (let i = 1; i <= 300; i++) {
      sim.setStock(`SKU-${i % 17}`, i);
      // The first drop is followed at once by more changes (made while the stream is down); the second cuts the
      // resumed connection.
      if (i === 100) {
        expect(sim.dropStream()).toBe(1);
        await waitFor('the drop noticed', () => !stream.status().connected);
      }
      if (i === 200) {
        await waitFor('the resumed connection', () => stream.status().connected);
        expect(sim.dropStream()).toBe(1);
      }
    }
    await waitFor('300 frames', () => seen.stream.length >= 300);
    expect(seqs(seen.stream)).toEqual(range(1, 300));
    expect(seen.catchUp).toEqual([]);
    expect(stream.status()).toMatchObject({ lastSeq: 300, gaps: 0 });
    expect(stream.status().reconnects).toBeGreaterThanOrEqual(2);
    expect(sim.stats.connections).toBeGreaterThanOrEqual(3);
  });

  it('a slow consumer gets what arrived meanwhile as one batch, still in order', async () => {
    await startSim();
    const seen = fresh();
    let slow = false;
    const stream = await open(newState(), seen, {}, async () => {
      if (slow) await new Promise((r) => setTimeout(r, 150));
      slow = false;
    });
    await ready(stream);
    slow = true;
    for (let i = 1; i <= 40; i++) sim.setStock('HOT', i);
    await waitFor('40 frames', () => seen.stream.length === 40);
    expect(seqs(seen.stream)).toEqual(range(1, 40));
    expect(Math.max(...seen.batches)).toBeGreaterThan(1);
  });

  it('a restarted consumer resumes from the position in the database: what happened meanwhile, and nothing twice', async () => {
    await startSim();
    const state = newState();
    const before = fresh();
    const first = await open(state, before);
    await ready(first);
    for (let i = 1; i <= 10; i++) sim.setStock('A', i);
    await waitFor('ten frames', () => before.stream.length === 10);
    await first.stop();
    for (let i = 11; i <= 15; i++) sim.setStock('A', i);

    const after = fresh();
    await open(state, after);
    await waitFor('the five missed frames', () => after.stream.length === 5);
    expect(seqs(after.stream)).toEqual(range(11, 15));
    expect(after.catchUp).toEqual([]);
  });

  it('a seq that skips ahead is a gap: what changed is read over REST before the stream goes on', async () => {
    await startSim();
    const outcomes: CallOutcome[] = [];
    const state = newState();
    const seen = fresh();
    const stream = client(state, {}, outcomes).openStream(consumer(seen), timing);
    await stream.start();
    await ready(stream);
    sim.setStock('A', 1);
    await waitFor('frame 1', () => seen.stream.length === 1);
    // Changes the stream never carries (numbers 2..4 skipped), then one it does.
    sim.skipSeq(3);
    sim.seed(['B'], 8);
    sim.setStock('C', 2);
    await waitFor('frame 5', () => seen.stream.length === 2);
    expect(seqs(seen.stream)).toEqual([1, 5]);
    expect(seen.catchUp.map((c) => [c.sku, c.available])).toEqual([['A', 1], ['B', 8], ['C', 2]]);
    expect(stream.status()).toMatchObject({ gaps: 1, lastSeq: 5 });
    // The first start's read of the (empty) warehouse, and the gap's.
    expect(outcomes.filter((o) => o.operation === 'listStock' && o.ok)).toHaveLength(2);
  });

  it('a WMS that cannot replay far enough says so in its hello: the missed changes come over REST', async () => {
    await startSim({ replay: 5 });
    const state = newState();
    const seen = fresh();
    const first = await open(state, seen);
    await ready(first);
    sim.setStock('A', 1);
    await waitFor('frame 1', () => seen.stream.length === 1);
    await first.stop();
    for (let i = 1; i <= 20; i++) sim.setStock(`K-${i}`, i);

    const later = fresh();
    const second = await open(state, later);
    await waitFor('the catch-up', () => later.catchUp.length >= 20);
    // From the last processed frame's time on: A (that frame's change) is read again, harmlessly.
    expect(new Set(later.catchUp.map((c) => c.sku))).toEqual(new Set(['A', ...range(1, 20).map((i) => `K-${i}`)]));
    expect(later.stream).toEqual([]);
    sim.setStock('A', 2);
    await waitFor('frame 22', () => later.stream.length === 1);
    expect(seqs(later.stream)).toEqual([22]);
    expect(second.status().lastSeq).toBe(22);
  });

  it('a frame older than what REST already gave is stale and skipped', async () => {
    await startSim();
    const seen = fresh();
    const stream = await open(newState(), seen);
    await ready(stream);
    sim.setStock('A', 1);
    await waitFor('frame 1', () => seen.stream.length === 1);
    sim.freezeStream();
    sim.skipSeq(1);
    sim.setStock('A', 2);
    await new Promise((r) => setTimeout(r, 5));
    // The REST read after the gap sees A at 3; frame 3 (A=2) arrives with the gap and is older.
    sim.seed(['A'], 3);
    sim.freezeStream(false);
    await waitFor('the catch-up', () => seen.catchUp.length === 1);
    await waitFor('frame 3 processed', () => stream.status().lastSeq === 3);
    expect(seen.catchUp.map((c) => [c.sku, c.available])).toEqual([['A', 3]]);
    expect(seqs(seen.stream)).toEqual([1]);
  });

  it('a peer that stops answering pings is dropped and the stream resumes; nothing is lost', async () => {
    await startSim();
    const seen = fresh();
    const stream = await open(newState(), seen, { pingMs: 100 });
    await ready(stream);
    sim.setStock('A', 1);
    await waitFor('frame 1', () => seen.stream.length === 1);
    sim.freezeStream();
    sim.setStock('A', 2);
    sim.setStock('A', 3);
    await waitFor('the dead peer dropped', () => stream.status().reconnects >= 1, 3000);
    expect(stream.status().lastError).toMatch(/no pong within 100 ms/);
    sim.freezeStream(false);
    await waitFor('frames 2 and 3', () => seen.stream.length === 3, 3000);
    expect(seqs(seen.stream)).toEqual([1, 2, 3]);
    await waitFor('connected again', () => stream.status().connected);
  });

  it('a refused API key is reported and retried with backoff, and recorded in the integration log', async () => {
    await startSim();
    const outcomes: CallOutcome[] = [];
    const stream = client(newState(), { apiKey: 'wrong' }, outcomes).openStream(consumer(fresh()), timing);
    await stream.start();
    await waitFor('two refusals', () => outcomes.filter((o) => o.operation === 'stream').length >= 2);
    const refused = outcomes.filter((o) => o.operation === 'stream');
    expect(refused.every((o) => o.status === 401 && !o.ok && o.method === 'WS')).toBe(true);
    expect(stream.status()).toMatchObject({ connected: false });
    expect(stream.status().lastError).toMatch(/stream refused: HTTP 401: .*invalid_api_key.*check auth.key of the wms block/);
  });

  it('a consumer that fails is retried with the same changes; the position waits for it', async () => {
    await startSim();
    const state = newState();
    const seen = fresh();
    let failures = 2;
    const stream = await open(state, seen, {}, async () => {
      if (failures-- > 0) throw new Error('shops unreachable');
    });
    await ready(stream);
    sim.setStock('A', 4);
    await waitFor('the change, once', () => seen.stream.length === 1);
    expect(seqs(seen.stream)).toEqual([1]);
    expect(stream.status().lastError).toMatch(/consumer failed: shops unreachable/);
    await waitFor('the stored position', async () => (await state.get<{ seq: number }>(STREAM_POSITION_KEY))?.seq === 1);
  });

  it('reports its state to the database, where health reads it from any process', async () => {
    await startSim();
    const state = newState();
    const seen = fresh();
    const stream = await open(state, seen);
    await ready(stream);
    sim.setStock('A', 4);
    await waitFor('frame 1', () => seen.stream.length === 1);
    const reader = client(state);
    await waitFor('the report', async () => (await reader.streamReport())?.lastSeq === 1);
    expect(await reader.streamReport()).toMatchObject({ connected: true, lastSeq: 1, gaps: 0, pid: process.pid });
    expect((await reader.health()).detail).toMatch(/stream: connected, last seq 1, lag \d+ ms/);
    await stream.stop();
    expect(await reader.streamReport()).toMatchObject({ connected: false, lastSeq: 1 });
    expect((await reader.health()).detail).toMatch(/stream: disconnected/);
  });
});
