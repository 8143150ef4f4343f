// Contract test: the WMS FTP drop box (basic-ftp) against the simulator's ftp-srv on 127.0.0.1, import records in a
// real PostgreSQL database: complete files only, each imported once, bad files imported not at all.
import { Readable } from 'node:stream';
import { Client as FtpClient } from 'basic-ftp';
import type { CallOutcome } from '../../platform/http/index.js';
import { IntegrationStateStore, type IntegrationState } from '../../platform/integrations/state.js';
import { MappingSet } from '../../platform/transform/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { WmsApiError, WmsClient, type WmsStockRecord } from './client.js';
import type { WmsConfig } from './config.js';
import { WMS_SANDBOX_CREDENTIALS, WmsSimulator, wmsSimulatorConfig } from './simulator.js';

const mappings = MappingSet.load('config/data-mappings.json');
const HEADER = 'product_code,available_quantity,reserved_quantity,warehouse_location';

let t: TestDatabase;
let sim: WmsSimulator;
const clients: WmsClient[] = [];

function client(state: IntegrationState, settings: Record<string, unknown> = {}, config: Partial<WmsConfig> = {}, outcomes?: CallOutcome[]): WmsClient {
  const c = new WmsClient({
    config: { ...wmsSimulatorConfig(sim, settings), ...config }, mappings, state, policy: { timeoutMs: 5000 }, onOutcome: (o) => outcomes?.push(o),
  });
  clients.push(c);
  return c;
}

const newState = () => new IntegrationStateStore(t.db).for(`wms-${Math.random().toString(36).slice(2)}`);

/** What an import applied, file by file. */
function recorder() {
  const applied: { file: string; records: WmsStockRecord[] }[] = [];
  return { applied, apply: async (file: string, records: WmsStockRecord[]) => void applied.push({ file, records }) };
}

/** The WMS's side: an upload over FTP, left as `.tmp` (half done) or renamed when complete. */
async function upload(name: string, text: string, complete: boolean): Promise<void> {
  const ftp = new FtpClient(5000);
  try {
    const { port } = new URL(sim.endpoints().ftp!);
    await ftp.access({ host: '127.0.0.1', port: Number(port), user: WMS_SANDBOX_CREDENTIALS.ftpUser, password: WMS_SANDBOX_CREDENTIALS.ftpPassword });
    await ftp.uploadFrom(Readable.from([Buffer.from(text, 'utf8')]), `/stock/${name}.tmp`);
    if (complete) await ftp.rename(`/stock/${name}.tmp`, `/stock/${name}`);
  } finally {
    ftp.close();
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(async () => {
  sim = new WmsSimulator({ rateLimit: false });
  await sim.listen();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim.close();
});

describe('WMS FTP drops', () => {
  it('a half-uploaded .tmp is left alone; once renamed it is imported, mapped through wms_to_shopee, and moved to done/', async () => {
    const drops = client(newState()).drops!;
    await upload('stock-0900.csv', `${HEADER}\nA-1,12,3,TKY-A-01\nA-2,0,0,TKY-A-02\n`, false);
    const { applied, apply } = recorder();
    expect(await drops.pending()).toEqual([]);
    expect(await drops.importPending(apply)).toEqual([]);
    expect(sim.files()).toEqual(['stock-0900.csv.tmp']);

    await upload('stock-0900.csv', `${HEADER}\nA-1,12,3,TKY-A-01\nA-2,0,0,TKY-A-02\n`, true);
    const [result] = await drops.importPending(apply);
    expect(result).toMatchObject({ file: 'stock-0900.csv', status: 'imported', rows: 2, badRows: 0, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(applied).toHaveLength(1);
    expect(applied[0]!.records).toEqual([
      { sku: 'A-1', available: 12, reserved: 3, location: 'TKY-A-01', updatedAt: expect.any(String) },
      { sku: 'A-2', available: 0, reserved: 0, location: 'TKY-A-02', updatedAt: expect.any(String) },
    ]);
    expect(sim.files()).toEqual([]);
    expect(sim.files('done')).toEqual(['stock-0900.csv']);
  });

  it('imports each file exactly once: the same file dropped again is only moved; new content under the same name is new', async () => {
    const state = newState();
    const drops = client(state).drops!;
    const { applied, apply } = recorder();
    const text = `${HEADER}\nA-1,5,0,L1\n`;
    sim.dropFile('stock.csv', text);
    expect((await drops.importPending(apply)).map((r) => r.status)).toEqual(['imported']);
    expect(await drops.importPending(apply)).toEqual([]);

    sim.dropFile('stock.csv', text);
    const [again] = await drops.importPending(apply);
    expect(again).toMatchObject({ status: 'duplicate', rows: 1 });
    expect(applied).toHaveLength(1);
    expect(sim.files('done')).toEqual([`stock.${again!.checksum.slice(0, 12)}.csv`, 'stock.csv']);

    sim.dropFile('stock.csv', `${HEADER}\nA-1,6,0,L1\n`);
    expect((await drops.importPending(apply)).map((r) => r.status)).toEqual(['imported']);
    expect(applied.map((a) => a.records[0]!.available)).toEqual([5, 6]);
    // Another process, the same database: nothing left to import.
    expect(await client(state).drops!.importPending(apply)).toEqual([]);
  });

  it('a file with bad rows imports nothing and goes to error/ with a report naming every bad row', async () => {
    const drops = client(newState()).drops!;
    const { applied, apply } = recorder();
    sim.dropFile('bad.csv', [
      HEADER,
      'A-1,5,0,L1',
      'A-2,-1,0,L1',
      'A-3,many,0,L1',
      ',4,0,L1',
      'A-1,7,0,L2',
      'A-5,1,0',
      'A-6,2,,L1',
      'A-7,3,1,L1',
      '',
    ].join('\n'));
    const [result] = await drops.importPending(apply);
    expect(result).toMatchObject({ status: 'rejected', rows: 0, badRows: 6, report: '/stock/error/bad.csv.errors.txt' });
    expect(applied).toEqual([]);
    expect(sim.files()).toEqual([]);
    expect(sim.files('error')).toEqual(['bad.csv', 'bad.csv.errors.txt']);
    const report = sim.readFile('error/bad.csv.errors.txt');
    expect(report).toMatch(/^bad.csv \(sha256 [0-9a-f]{64}\): 6 bad row\(s\) of 8; nothing was imported\./);
    const lines = report.split('\n').filter((l) => l.startsWith('line '));
    expect(lines).toEqual([
      'line 3: available_quantity: -1 is negative',
      expect.stringMatching(/^line 4: mapping wms_to_shopee: available_quantity → stock: is not a whole number in range \(value "many"\)$/),
      'line 5: product_code: missing',
      'line 6: product_code A-1 is also on line 2',
      expect.stringMatching(/^line 7: 3 fields where the header has 4$/),
      expect.stringMatching(/^line 8: mapping wms_to_shopee: reserved_quantity → reserved: is not a whole number in range \(value ""\)$/),
    ]);
    // Rejected once: dropped again unchanged, it is not parsed or imported again.
    sim.dropFile('bad.csv', sim.readFile('error/bad.csv'));
    expect((await drops.importPending(apply)).map((r) => r.status)).toEqual(['duplicate']);
  });

  it('a file without the header columns, or past the size limit, is refused whole', async () => {
    const drops = client(newState(), {}, { maxFileBytes: 200 }).drops!;
    const { applied, apply } = recorder();
    sim.dropFile('a-noheader.csv', 'sku,qty\nA-1,5\n');
    sim.dropFile('b-big.csv', `${HEADER}\n${Array.from({ length: 20 }, (_, i) => `A-${i},1,0,L1`).join('\n')}\n`);
    const results = await drops.importPending(apply);
    expect(results.map((r) => [r.file, r.status])).toEqual([['a-noheader.csv', 'rejected'], ['b-big.csv', 'rejected']]);
    expect(sim.readFile('error/a-noheader.csv.errors.txt')).toMatch(/line 1: the header lacks product_code, available_quantity, reserved_quantity, warehouse_location/);
    expect(sim.readFile('error/b-big.csv.errors.txt')).toMatch(/file: \d+ bytes; the limit is 200 \(settings.max_file_mb\)/);
    expect(applied).toEqual([]);
  });

  it('Shift_JIS files when config says so; UTF-8 with a BOM by default; a Shift_JIS file read as UTF-8 is refused', async () => {
    const { applied, apply } = recorder();
    const japanese = `${HEADER}\nJP-1,4,1,東京倉庫Ａ-01\n`;
    sim.dropFile('sjis.csv', japanese, { encoding: 'shift_jis' });
    expect((await client(newState(), { csv_encoding: 'shift_jis' }).drops!.importPending(apply)).map((r) => r.status)).toEqual(['imported']);
    expect(applied[0]!.records[0]).toMatchObject({ sku: 'JP-1', available: 4, location: '東京倉庫Ａ-01' });

    sim.dropFile('bom.csv', japanese, { encoding: 'utf8-bom' });
    const utf8 = client(newState()).drops!;
    expect((await utf8.importPending(apply)).map((r) => r.status)).toEqual(['imported']);
    expect(applied[1]!.records[0]).toMatchObject({ sku: 'JP-1', location: '東京倉庫Ａ-01' });

    sim.dropFile('sjis-2.csv', japanese, { encoding: 'shift_jis' });
    expect((await utf8.importPending(apply)).map((r) => r.status)).toEqual(['rejected']);
    expect(sim.readFile('error/sjis-2.csv.errors.txt')).toMatch(/file: not valid UTF-8 \(a Shift_JIS file needs settings.csv_encoding: shift_jis\)/);
  });

  it('an import that fails leaves the file waiting and is tried again; two processes at once import it once', async () => {
    const state = newState();
    sim.dropFile('s.csv', `${HEADER}\nA-1,5,0,L1\n`);
    const drops = client(state).drops!;
    await expect(drops.importPending(async () => Promise.reject(new Error('shops down')))).rejects.toThrow('shops down');
    expect(sim.files()).toEqual(['s.csv']);

    const { applied, apply } = recorder();
    const slowApply = async (file: string, records: WmsStockRecord[]) => {
      await new Promise((r) => setTimeout(r, 100));
      await apply(file, records);
    };
    const [a, b] = await Promise.all([drops.importPending(slowApply), client(state).drops!.importPending(slowApply)]);
    expect([...a, ...b].map((r) => r.status).sort()).toEqual(['busy', 'imported']);
    expect(applied).toHaveLength(1);
    expect(sim.files('done')).toEqual(['s.csv']);
  });

  it('the newest file, waiting or done, is what an FTP batch reads; a wrong login is named', async () => {
    const c = client(newState(), { batch_source: 'ftp' });
    await expect(c.drops!.newest()).resolves.toBeNull();
    sim.dropFile('stock-1.csv', `${HEADER}\nA-1,5,0,L1\n`);
    await c.drops!.importPending(recorder().apply);
    await new Promise((r) => setTimeout(r, 1100));
    sim.dropFile('stock-2.csv', `${HEADER}\nA-1,8,0,L1\nA-2,1,0,L1\n`);
    expect(await c.drops!.newest()).toMatchObject({ file: '/stock/stock-2.csv', records: [{ sku: 'A-1', available: 8 }, { sku: 'A-2', available: 1 }] });
    const items: { sku: string; quantity: number }[] = [];
    for await (const page of c.pages()) items.push(...page);
    expect(items).toEqual([{ sku: 'A-1', quantity: 8 }, { sku: 'A-2', quantity: 1 }]);

    const outcomes: CallOutcome[] = [];
    const wrong = client(newState(), {}, { ftp: { ...c.config.ftp!, password: 'nope' } }, outcomes);
    const err = (await wrong.drops!.pending().catch((e: unknown) => e)) as WmsApiError;
    expect(err).toBeInstanceOf(WmsApiError);
    expect(err.message).toMatch(/^wms ftpList: FTP 127.0.0.1:\d+ 530: .*check endpoints.ftp.user and password of the wms block$/);
    expect(outcomes).toMatchObject([{ operation: 'ftpList', method: 'FTP', ok: false, status: 530 }]);
  });
});
