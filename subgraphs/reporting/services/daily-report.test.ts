// The daily report from real runs on a real database (the sandbox's simulators doing the marketplaces' part): an
// empty day and a busy one, its HTML parsed and read back, its charts decoded as PNG, and the mail as the SMTP
// server received it.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DateTime } from 'luxon';
import sharp from 'sharp';
import { createTestApp, seed, type TestApp } from '../../../test/support/app.js';
import type { DailyReport } from './daily-report.js';

let app: TestApp;
const today = () => DateTime.now().setZone('Asia/Tokyo').toISODate()!;

beforeAll(async () => {
  app = await createTestApp();
});

afterAll(() => app?.close());

type Node = Record<string, unknown>;

/** The HTML as XML (the renderer writes well-formed markup): every element of `tag`, depth first. */
function parse(html: string): Node {
  expect(XMLValidator.validate(html)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', alwaysCreateTextNode: true }).parse(html) as Node;
}

function findAll(node: unknown, tag: string, out: Node[] = []): Node[] {
  if (Array.isArray(node)) node.forEach((n) => findAll(n, tag, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === tag) (Array.isArray(v) ? v : [v]).forEach((x) => out.push(x as Node));
      findAll(v, tag, out);
    }
  }
  return out;
}

/** An element's text, its children's included (its own text first: the renderer puts child elements after it). */
const text = (node: unknown): string =>
  typeof node === 'string' || typeof node === 'number' ? String(node)
    : Array.isArray(node) ? node.map(text).join(' ')
    : node && typeof node === 'object'
      ? Object.entries(node).filter(([k]) => !k.startsWith('@')).sort(([a], [b]) => Number(b === '#text') - Number(a === '#text')).map(([, v]) => text(v)).join(' ')
      : '';

/** The tables of the report, each as rows of cell texts (header row first). */
const tables = (doc: Node) =>
  findAll(doc, 'table')
    .filter((t) => !t['@role'])
    .map((t) => findAll(t, 'tr').map((tr) => [...findAll(tr, 'th'), ...findAll(tr, 'td')].map((c) => text(c).replace(/\s+/g, ' ').trim())));

async function expectPng(png: Buffer, width: number, height: number) {
  const meta = await sharp(png).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['png', width * 2, height * 2]);
}

describe('an empty day', () => {
  it('says so in each section, still has its two charts, and parses', async () => {
    const date = DateTime.now().setZone('Asia/Tokyo').minus({ days: 3 }).toISODate()!;
    const report = await app.ctx.dailyReport.build(date);
    expect(report).toEqual(expect.objectContaining({ date, runsByStatus: {}, dryRuns: 0, runs: [], changesPerChannel: [], failedRuns: [], calls: [] }));
    const rendered = await app.ctx.dailyReport.render(report);
    expect(rendered.subject).toBe(`日次レポート ${date} - Tsunagi`);
    const doc = parse(rendered.html);
    expect(text(findAll(doc, 'h1')[0])).toBe(`日次レポート ${date} - Tsunagi`);
    const paragraphs = findAll(doc, 'p').map(text);
    for (const empty of ['この日の実行はありません。', 'この日の在庫変更はありません。', '失敗した実行はありません。', 'この日の外部呼び出しはありません。']) {
      expect(paragraphs.some((p) => p.includes(empty))).toBe(true);
    }
    expect(paragraphs).toContain(`${date}: 0 stock runs, 0 changes applied, 0 items still failing, 0 failed external calls, 0 alerts firing.`);
    const images = findAll(doc, 'img');
    expect(images.map((i) => i['@src'])).toEqual(['cid:changes-by-hour@tsunagi', 'cid:calls-by-system@tsunagi']);
    for (const chart of rendered.charts) await expectPng(chart.png, chart.width, chart.height);
    expect(rendered.text).toContain('## 在庫同期の実行 / Stock runs\nこの日の実行はありません。 / No runs on this day.');
  });

  it('refuses a day that is not a date, or has not begun', async () => {
    await expect(app.ctx.dailyReport.build('2026-02-30')).rejects.toThrow('date: "2026-02-30" is not a date (YYYY-MM-DD)');
    await expect(app.ctx.dailyReport.build('2999-01-01')).rejects.toThrow('date: 2999-01-01 has not begun yet in Asia/Tokyo');
  });
});

describe('a busy day', () => {
  let report: DailyReport;

  beforeAll(async () => {
    // 12 SKUs whose allocations differ from the 50 both malls list: each applied run has 24 changes to make.
    await seed(app, Array.from({ length: 12 }, (_, i) => ({ sku: `DAY-${i}`, quantity: 20 + i })), 50);
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: true, trigger: 'cli' });
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'schedule' });
    // Back to 50 on the malls, with Yahoo! refusing every write: PARTIAL, 12 items left failing.
    app.sims.yahoo.seed(Array.from({ length: 12 }, (_, i) => `Y-DAY-${i}`), 50);
    app.sims.rakuten.seed(Array.from({ length: 12 }, (_, i) => `r-day-${i}`), 50);
    app.sims.yahoo.faults.add({ path: 'setStock', response: { status: 400, body: '<Error><Message>seller is suspended</Message><Code>ed-00001</Code></Error>' } });
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'schedule' });
    app.sims.yahoo.faults.clear();
    // Amazon refusing: FAILED before anything is sent.
    app.sims.amazon.faults.add({ path: 'summaries', response: { status: 403, body: { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] } } });
    await app.ctx.inventory.sync.run({ source: 'amazon', dryRun: false, trigger: 'schedule' }).catch(() => {});
    app.sims.amazon.faults.clear();
    report = await app.ctx.dailyReport.build(today());
  });

  it('counts the runs by status, the changes per channel, and what is still failing', () => {
    expect(report.runsByStatus).toEqual({ SUCCESS: 1, PARTIAL: 1, FAILED: 1 });
    expect(report.dryRuns).toBe(1);
    expect(report.runs.map((r) => [r.status, r.dryRun])).toEqual([['SUCCESS', true], ['SUCCESS', false], ['PARTIAL', false], ['FAILED', false]]);
    expect(report.changesPerChannel).toEqual([{ channel: 'rakuten', applied: 24, failed: 0 }, { channel: 'yahoo', applied: 12, failed: 12 }]);
    expect(report.changesByHour.reduce((s, c) => s + c.applied, 0)).toBe(36);
    expect(report.failedRuns.map((r) => r.status)).toEqual(['PARTIAL', 'FAILED']);
    expect(report.stillFailing.total).toBe(12);
    expect(report.stillFailing.items[0]).toEqual(expect.objectContaining({ channel: 'yahoo', error: expect.stringContaining('seller is suspended') }));
    expect(report.credentials).toEqual([expect.objectContaining({ system: 'yahoo', days: 28 })]);
    const yahoo = report.calls.find((c) => c.system === 'yahoo')!;
    expect(yahoo.failed).toBe(1);
    expect(yahoo.lastError).toBe('setStock: yahoo setStock: HTTP 400: <Error><Message>seller is suspended</Message><Code>ed-00001</Code></Error>');
    expect(report.calls.map((c) => c.system)).toEqual(expect.arrayContaining(['amazon', 'rakuten', 'yahoo']));
  });

  it('shows it in tables a mail client renders, with the charts by Content-ID', async () => {
    const rendered = await app.ctx.dailyReport.render(report);
    const doc = parse(rendered.html);
    const all = tables(doc);
    const byHeader = (first: string) => all.find((t) => t[0]![0]!.includes(first))!;
    expect(byHeader('状態 Status')).toEqual([['状態 Status', '件数 Count'], ['SUCCESS', '1'], ['PARTIAL', '1'], ['FAILED', '1']]);
    expect(byHeader('チャネル Channel').slice(1, 3)).toEqual([['rakuten', '24', '0'], ['yahoo', '12', '12']]);
    const failing = all.find((t) => t[0]!.join(' ').includes('SKU'))!;
    expect(failing).toHaveLength(13);
    expect(failing[1]![0]).toBe('yahoo');
    expect(byHeader('システム System').find((r) => r[0] === 'yahoo')).toEqual(expect.arrayContaining(['yahoo', '28']));
    // Every cell styled inline: what survives mail clients that drop <style>.
    expect(findAll(doc, 'td').every((td) => typeof td['@style'] === 'string')).toBe(true);
    expect(rendered.html).not.toMatch(/<style|<script|<link/);
    const ids = findAll(doc, 'img').map((i) => String(i['@src']).replace(/^cid:/, ''));
    expect(ids).toEqual(rendered.charts.map((c) => c.cid));
    for (const chart of rendered.charts) await expectPng(chart.png, chart.width, chart.height);
    expect(rendered.text).toContain('rakuten | 24 | 0\nyahoo | 12 | 12');
  });

  it('as a file, the charts are inlined as data URIs that decode to the same PNGs', async () => {
    const rendered = await app.ctx.dailyReport.render(report, 'inline');
    const srcs = findAll(parse(rendered.html), 'img').map((i) => String(i['@src']));
    expect(srcs.every((s) => s.startsWith('data:image/png;base64,'))).toBe(true);
    for (const src of srcs) {
      const png = Buffer.from(src.replace('data:image/png;base64,', ''), 'base64');
      expect((await sharp(png).metadata()).format).toBe('png');
    }
  });

  it('is sent by email (routing: daily_report → email) with its HTML, text and inline charts', async () => {
    const smtp = app.sims.notify.email;
    const before = smtp.messages.length;
    const { outcome } = await app.ctx.dailyReport.send(today());
    expect(outcome.deliveries).toEqual([expect.objectContaining({ channel: 'email', ok: true })]);
    const mail = (await smtp.waitFor(before + 1))[before]!;
    expect(mail.subject).toBe(`日次レポート ${today()} - Tsunagi`);
    expect(mail.text).toContain('## チャネル別の反映件数 / Items changed per channel\nChannel | Applied | Failed\nrakuten | 24 | 0');
    const doc = parse(mail.html!);
    const cids = findAll(doc, 'img').map((i) => String(i['@src']).replace(/^cid:/, ''));
    expect(mail.attachments.map((a) => a.cid)).toEqual(cids);
    for (const a of mail.attachments) expect((await sharp(a.content).metadata()).format).toBe('png');
  });
});
