// The dashboard with more than a page of everything, a configured timezone other than the default and the
// browser's, and marketplaces answering slowly: the run ledger and the Simulate inventory page forward and back,
// dates follow config.yaml's timezone, and a sync's and a rollback's progress shows while they run and goes when
// they end. A real hub in sandbox mode and headless Chromium, as dashboard.test.ts.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { gql, startHarness, token, type Harness } from '../graphql/support.js';
import { launchBrowser } from '../support/browser.js';
import { seed } from '../support/app.js';

const ZONE = 'America/New_York';
const SKUS = 30;
/** Each write to a mall is held this long: long enough to see a run in progress. */
const SLOW_MS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'tsunagi-dashboard-'));

let h: Harness;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** The shipped config, with New York as its timezone. */
function configInZone(): string {
  for (const f of ['integrations.yaml', 'data-mappings.json', 'notifications.yaml']) copyFileSync(join('config', f), join(dir, f));
  const config = readFileSync('config/config.yaml', 'utf8');
  if (!config.includes('timezone: Asia/Tokyo')) throw new Error('config/config.yaml no longer says timezone: Asia/Tokyo');
  writeFileSync(join(dir, 'config.yaml'), config.replace('timezone: Asia/Tokyo', `timezone: ${ZONE}`));
  return join(dir, 'config.yaml');
}

const tab = (name: string) => page.locator(`nav [data-tab="${name}"]`).click();
const countReaches = (selector: string, n: number) =>
  page.waitForFunction(([sel, want]) => document.querySelectorAll(sel as string).length === want, [selector, n] as const);
/** The first column (channel) and second (SKU) of each row. */
const keys = (selector: string) =>
  page.locator(selector).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent!.trim()).join(' ')));
/** Clicks a pager button and waits until the table shows other rows (it renders once its request answers). */
async function turn(pager: ReturnType<Page['locator']>, name: 'Next' | 'Previous', tbody: string): Promise<void> {
  const was = await page.locator(tbody).textContent();
  await pager.getByRole('button', { name }).click();
  await page.waitForFunction(([sel, before]) => document.querySelector(sel as string)?.textContent !== before, [tbody, was] as const);
}
const slowMalls = () => {
  h.app.sims.yahoo.faults.slow({ path: 'setStock', ms: SLOW_MS });
  h.app.sims.rakuten.faults.slow({ path: 'bulk-upsert', ms: SLOW_MS });
};
const fastMalls = () => {
  h.app.sims.yahoo.faults.clear();
  h.app.sims.rakuten.faults.clear();
};

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('the dashboard is not built: run `npm run build:web` (npm test builds it first)');
  h = await startHarness({}, { configPath: configInZone() });
  // 30 SKUs at 20 each: 4 per mall (the 20+ tier), 60 changes, every listing at 0.
  await seed(h.app, Array.from({ length: SKUS }, (_, i) => ({ sku: `AMZ-${String(i + 1).padStart(6, '0')}`, quantity: 20 })));
  browser = await launchBrowser();
  // The browser is in Tokyo: the page must show New York time anyway.
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(h.gateway.url.replace(/\/graphql$/, '/'));
  await page.locator('#use-sandbox-token').click();
  await page.locator('#who').waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard with more than a page of data, another timezone and slow marketplaces', () => {
  test('a sync started from the page shows its progress while it runs, and the bar goes when it finishes', async () => {
    await tab('actions');
    await page.locator('#dry-run').click();
    await expect(page.locator('#dry-run-report dd.updates').textContent()).resolves.toBe(String(SKUS * 2));
    slowMalls();
    try {
      await page.locator('#sync-now').click();
      const started = await page.locator('.notice', { hasText: /Sync run \d+ started/ }).textContent();
      const runId = /Sync run (\d+) started/.exec(started!)![1]!;
      const bar = page.locator(`#actions-widget .progress[data-run="${runId}"]`);
      await bar.waitFor();
      await expect(bar.textContent()).resolves.toMatch(/(Reading the source|Reading the channels|Sending): \d+ \/ \d+/);
      await page.getByText(`Run ${runId} finished: SUCCESS`).waitFor();
      await bar.waitFor({ state: 'detached' });
    } finally {
      fastMalls();
    }
  });

  test('the run ledger pages forward and back, 25 entries at a time', async () => {
    await tab('status');
    await page.locator('tr.run-row', { hasNotText: 'dry run' }).first().click();
    const tbody = '#run-detail table.ledger tbody';
    const rows = `${tbody} tr`;
    const pager = page.locator('#run-detail .pager');
    await countReaches(rows, 25);
    await expect(pager.getByRole('button', { name: 'Previous' }).isDisabled()).resolves.toBe(true);
    const first = await keys(rows);
    await turn(pager, 'Next', tbody);
    const second = await keys(rows);
    expect(second).toHaveLength(25);
    await turn(pager, 'Next', tbody);
    const third = await keys(rows);
    expect(third).toHaveLength(10);
    await expect(pager.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    // Every change once, over the three pages.
    expect(new Set([...first, ...second, ...third]).size).toBe(SKUS * 2);
    await turn(pager, 'Previous', tbody);
    expect(await keys(rows)).toEqual(second);
    await turn(pager, 'Previous', tbody);
    expect(await keys(rows)).toEqual(first);
    await expect(pager.getByRole('button', { name: 'Previous' }).isDisabled()).resolves.toBe(true);
  });

  test('dates follow the configured timezone, not the browser\'s', async () => {
    const runs = await gql<{ syncRuns: { id: number; startedAt: string }[] }>(h.gateway.url, '{ syncRuns(limit: 1, kind: "SYNC") { id startedAt } }', {}, await token('operator'));
    const run = runs.body.data!.syncRuns[0]!;
    const inZone = new Intl.DateTimeFormat('en-GB', {
      timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
    }).format(new Date(run.startedAt));
    expect(inZone).toMatch(/GMT-[45]|E[SD]T/);
    await expect(page.locator(`#run-detail[data-run="${run.id}"] .facts`).textContent()).resolves.toContain(inZone);
    await expect(page.locator(`tr.run-row[data-run="${run.id}"]`).textContent()).resolves.toContain(inZone);

    // The scheduler's 04:00 is 04:00 in New York, and shown so.
    await tab('health');
    await expect(page.locator('table.schedules').textContent()).resolves.toMatch(
      new RegExp(`amazon\\.stock_sync\\s*0 4 \\* \\* \\* \\(${ZONE}\\)\\s*\\d{2}/\\d{2}/\\d{4}, 04:00:00 (GMT-[45]|E[SD]T)`),
    );
  });

  test('the Simulate inventory pages forward and back, 20 SKUs at a time', async () => {
    await tab('simulate');
    const tbody = 'table.inventory tbody';
    const rows = `${tbody} tr`;
    const pager = page.locator('#simulate-widget .pager');
    await countReaches(rows, 20);
    await expect(pager.locator('span').textContent()).resolves.toBe('1–20 of 30');
    const first = await keys(rows);
    await turn(pager, 'Next', tbody);
    await countReaches(rows, 10);
    await expect(pager.locator('span').textContent()).resolves.toBe('21–30 of 30');
    await expect(pager.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    const second = await keys(rows);
    expect(new Set([...first, ...second].map((k) => k.split(' ')[0])).size).toBe(SKUS);
    await turn(pager, 'Previous', tbody);
    expect(await keys(rows)).toEqual(first);
    await expect(pager.getByRole('button', { name: 'Previous' }).isDisabled()).resolves.toBe(true);
  });

  test('a rollback shows its run\'s progress while it runs, and the bar goes when it finishes', async () => {
    await tab('actions');
    await page.locator('#preview-rollback').click();
    await countReaches('#rollback-preview table.changes tbody tr', SKUS * 2);
    slowMalls();
    try {
      await page.locator('#confirm-rollback').click();
      const bar = page.locator('#actions-widget .progress[data-run]');
      await bar.waitFor();
      await expect(bar.textContent()).resolves.toMatch(/(Reading the channels|Sending): \d+ \/ \d+/);
      const runId = await bar.getAttribute('data-run');
      await page.getByText(`Rollback run ${runId} finished: SUCCESS (${SKUS * 2} changes)`).waitFor();
      await bar.waitFor({ state: 'detached' });
    } finally {
      fastMalls();
    }
    // Every listing is back at 0, on both malls.
    for (let i = 1; i <= SKUS; i++) {
      const sku = `AMZ-${String(i).padStart(6, '0')}`;
      expect([h.app.sims.yahoo.getQuantity(`Y-${sku}`), h.app.sims.rakuten.getQuantity(`r-${sku.toLowerCase()}`)]).toEqual([0, 0]);
    }
  });

  test('no page logged an error', () => {
    expect(problems).toEqual([]);
  });
});
