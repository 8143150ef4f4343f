// Contract test: DamClient against DamSimulator over real HTTP on 127.0.0.1.
import sharp from 'sharp';
import { SimulatorServer } from '../sandbox/server.js';
import type { CallOutcome } from '../../platform/http/index.js';
import type { SourceImage } from '../../subgraphs/media/ports.js';
import { ASSETS_PATH, DamClient } from './client.js';
import { DAM_SANDBOX_KEY, DamSimulator, type DamSimulatorOptions } from './simulator.js';

let sim: DamSimulator;
let client: DamClient;
let outcomes: CallOutcome[];

async function start(simOpts: DamSimulatorOptions = {}, key: string | null = DAM_SANDBOX_KEY) {
  sim = new DamSimulator({ rateLimit: false, ...simOpts });
  const url = await sim.listen();
  outcomes = [];
  client = new DamClient({
    config: { system: 'dam', endpoint: url, apiKey: key ?? undefined, pageSize: 100, rateLimit: { perSecond: 1000, burst: 100 } },
    policy: { timeoutMs: 5000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 },
    onOutcome: (o) => outcomes.push(o),
  });
}

afterEach(async () => {
  await client?.close();
  await sim?.close();
});

async function all(sku?: string): Promise<SourceImage[][]> {
  const pages: SourceImage[][] = [];
  for await (const page of client.images({ sku })) pages.push(page);
  return pages;
}

const skus = (n: number) => Array.from({ length: n }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);

describe('DamClient', () => {
  it('lists every product’s images page by page, in SKU and position order, or one SKU’s', async () => {
    await start();
    sim.seed(skus(120));
    const pages = await all();
    expect(pages.map((p) => p.length)).toEqual([100, 100, 40]);
    const first = pages[0]![0]!;
    expect(first).toEqual({ id: 'SKU-0001-1', sku: 'SKU-0001', url: `${sim.url}/files/SKU-0001-1.jpg`, alt: 'SKU-0001 front', position: 0, updatedAt: expect.any(Date) });
    expect((await all('SKU-0042')).flat().map((i) => [i.id, i.position])).toEqual([['SKU-0042-1', 0], ['SKU-0042-2', 1]]);
  });

  it('downloads real image files as bytes', async () => {
    await start();
    sim.addImage({ id: 'A-1', sku: 'A', position: 0, kind: 'jpeg', width: 640, height: 480, seed: 3 });
    sim.addImage({ id: 'A-2', sku: 'A', position: 1, kind: 'png', width: 300, height: 200, seed: 4 });
    const [[jpeg, png]] = (await all('A')) as [SourceImage[]];
    expect(await sharp(await client.download(jpeg!, 10 * 1024 * 1024)).metadata()).toMatchObject({ format: 'jpeg', width: 640, height: 480 });
    expect(await sharp(await client.download(png!, 10 * 1024 * 1024)).metadata()).toMatchObject({ format: 'png', width: 300, height: 200 });
  });

  it('refuses a file larger than the limit at once, without retrying', async () => {
    await start();
    sim.seed(['A']);
    const [[jpeg]] = (await all('A')) as [SourceImage[]];
    await expect(client.download(jpeg!, 1000)).rejects.toThrow(/the body is larger than 1000 bytes/);
    expect(outcomes.at(-1)).toMatchObject({ operation: 'downloadAsset', ok: false, attempts: 1 });
  });

  it('sends the API key only to the DAM’s own origin', async () => {
    await start();
    const seen: (string | undefined)[] = [];
    const cdn = new SimulatorServer('cdn', (req) => {
      seen.push(req.headers['x-api-key'] as string | undefined);
      return { status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from('png') };
    });
    const cdnUrl = await cdn.listen();
    try {
      await client.download({ id: 'x', sku: 'A', url: `${cdnUrl}/x.png`, alt: null, position: 0, updatedAt: null }, 1000);
      sim.seed(['A']);
      const [[jpeg]] = (await all('A')) as [SourceImage[]];
      await client.download(jpeg!, 10 * 1024 * 1024);
      expect(seen).toEqual([undefined]);
    } finally {
      await cdn.close();
    }
  });

  it('names an asset the contract does not allow, a refused key, and waits out 429', async () => {
    await start();
    sim.faults.add({ path: ASSETS_PATH, times: 1, response: { status: 200, body: { items: [{ id: 'x', product_sku: 'A', url: 'ftp://files/x', position: 0 }], next_cursor: null } } });
    await expect(all()).rejects.toThrow('dam: asset 0 of a page (x): url is not an http(s) URL');
    await client.close();
    await sim.close();
    await start({}, 'wrong');
    await expect(all()).rejects.toThrow(/HTTP 401: the DAM refused the API key \(auth\.key\)/);
    expect(await client.health()).toMatchObject({ ok: false });
    await client.close();
    await sim.close();
    await start({ rateLimit: { perSecond: 1, burst: 1 } });
    sim.seed(skus(60));
    await client.close();
    client = new DamClient({
      config: { system: 'dam', endpoint: sim.url, apiKey: DAM_SANDBOX_KEY, pageSize: 50, rateLimit: { perSecond: 1000, burst: 100 } },
      policy: { timeoutMs: 5000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 },
    });
    expect((await all()).flat()).toHaveLength(120);
    expect(sim.stats.throttled).toBeGreaterThan(0);
  }, 15_000);
});
