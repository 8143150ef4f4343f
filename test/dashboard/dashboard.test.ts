// The dashboard in a real browser (headless Chromium, playwright-core) against a whole hub in sandbox mode: a
// fresh database on the real PostgreSQL server, the simulators over real HTTP, the gateway serving the built page
// (dist/web, made by `npm run build`). The tests run in order, as an operator's morning would.
// Screenshots of each widget go to test-output/screenshots (docs/screenshots with TSUNAGI_UPDATE_SCREENSHOTS=1).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobWithId } from 'agenda';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALERT_RULES_JOB, DAILY_REPORT_JOB } from '../../jobs/reports.js';
import { startWorker } from '../../jobs/worker.js';
import { issueToken } from '../../platform/auth/tokens.js';
import { JWT_SECRET, seedDemo, startHarness, token, type Harness } from '../graphql/support.js';
import { launchBrowser } from '../support/browser.js';

const SHOTS = process.env.TSUNAGI_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-output/screenshots';
const WAIT = 15_000;

let h: Harness;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Console errors and CSP refusals seen by any page: the suite ends with none. */
const problems: string[] = [];

async function newPage(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  p.setDefaultTimeout(WAIT);
  const seen = (text: string) => problems.push(`${expect.getState().currentTestName}: ${text}`);
  // Chromium logs every 4xx answer as a console error; the refused-token test expects one 401.
  p.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401 (Unauthorized)') && seen(m.text()));
  p.on('pageerror', (err) => seen(err.message));
  return p;
}

async function shot(name: string, selector: string): Promise<void> {
  await page.locator(selector).screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Waits until `selector` matches exactly `n` elements (the page renders after its request answers). */
const countReaches = (selector: string, n: number) =>
  page.waitForFunction(([sel, want]) => document.querySelectorAll(sel as string).length === want, [selector, n] as const);

/** Each row's cell texts. */
const cells = (selector: string) =>
  page.locator(selector).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));

const tab = (name: string) => page.locator(`nav [data-tab="${name}"]`).click();

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('the dashboard is not built: run `npm run build:web` (npm test builds it first)');
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness();
  await seedDemo(h.app);
  base = h.gateway.url.replace(/\/graphql$/, '');
  browser = await launchBrowser();
  context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
  page = await newPage(context);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the dashboard, as an operator uses it', () => {
  test('the page is served with its cache and security headers', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    // No inline script: every script is a file of the build, cached for good under its hash.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${base}${asset}`);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  test('signs in with the sandbox operator token the page offers, and shows Status', async () => {
    await page.goto(`${base}/`);
    await page.locator('#use-sandbox-token').click();
    await expect(page.locator('#who').textContent()).resolves.toContain('sandbox-operator (operator)');
    await page.locator('#status-widget').getByText('No runs yet.').waitFor();
    // The CSP holds in the browser: a script injected inline does not run.
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      return (window as { injected?: boolean }).injected === true;
    });
    expect(ran).toBe(false);
    problems.length = 0;
  });

  test('a dry run shows its report first; the sync is one click from it, and the run appears and finishes', async () => {
    await tab('actions');
    await page.locator('#dry-run').click();
    const report = page.locator('#dry-run-report');
    await report.waitFor();
    // 20 → 4, 10 → 2, 4 → 2 on both malls, every listing at 0.
    await expect(report.locator('dd.updates').textContent()).resolves.toBe('6');
    await expect(report.locator('table.changes tbody tr').count()).resolves.toBe(6);
    await shot('actions', '#actions-widget');

    await page.locator('#sync-now').click();
    await page.getByText(/Sync run \d+ started|Run \d+ finished/).first().waitFor();
    await page.getByText(/Run \d+ finished: SUCCESS/).waitFor();

    await tab('status');
    const row = page.locator('tr.run-row').first();
    await row.locator('.badge', { hasText: 'SUCCESS' }).waitFor();
    await expect(row.textContent()).resolves.toMatch(/SYNC\s+graphql\s+sandbox-operator/);
    await expect(row.locator('.counts').textContent()).resolves.toMatch(/yahoo: 3.*rakuten: 3|rakuten: 3.*yahoo: 3/);
    // The dry run is listed too, marked as one.
    await page.locator('tr.run-row', { hasText: 'dry run' }).waitFor();
  });

  test('a run opens with its ledger, searchable by SKU', async () => {
    await page.locator('tr.run-row', { hasNotText: 'dry run' }).first().click();
    const detail = page.locator('#run-detail');
    await countReaches('#run-detail table.ledger tbody tr', 6);
    await detail.locator('input[name="ledger-sku"]').fill('000002');
    await countReaches('#run-detail table.ledger tbody tr', 2);
    await expect(detail.locator('table.ledger tbody').textContent()).resolves.not.toContain('AMZ-000001');
    await shot('status', '#status-widget');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png') });
  });

  test('the status list filters by status and kind', async () => {
    await page.locator('select[name="kind"]').selectOption('ROLLBACK');
    await page.getByText('No runs yet.').waitFor();
    await page.locator('select[name="kind"]').selectOption('');
    await page.locator('select[name="status"]').selectOption('SUCCESS');
    await page.locator('tr.run-row').first().waitFor();
    await page.locator('select[name="status"]').selectOption('');
  });

  test('a stock change made elsewhere arrives live, and the SKU search shows source and channels', async () => {
    await tab('stock');
    await page.locator('input[name="stock-sku"]').fill('AMZ-000001');
    await page.locator('#show-stock').click();
    await page.locator('table.stock tr[data-channel="yahoo"]').waitFor();
    await expect(page.locator('table.stock tr.source').textContent()).resolves.toContain('20');
    // A manual set through the service (as the CLI does): the page hears it over graphql-ws.
    await h.app.ctx.inventory.sync.setChannelStock({ sku: 'AMZ-000001', channel: 'yahoo', quantity: 7, actor: 'cli-user' });
    await page.locator('ol.feed li', { hasText: /AMZ-000001 yahoo: 4 → 7/ }).waitFor();
    await page.locator('#show-stock').click();
    // The table is redrawn when the query answers: wait for the quantity column to show it.
    await page.locator('table.stock tr[data-channel="yahoo"] td:nth-child(3)', { hasText: /^7$/ }).waitFor();
    await shot('stock', '#stock-widget');
  });

  test('rollback shows its preview, asks for confirmation, and a second rollback is refused with the reason', async () => {
    await tab('actions');
    await page.locator('#preview-rollback').click();
    const preview = page.locator('#rollback-preview');
    await preview.locator('table.changes tbody tr').first().waitFor();
    expect(await cells('#rollback-preview table.changes tbody tr')).toEqual([['yahoo', 'AMZ-000001', 'Y-AMZ-000001', '7', '4']]);
    await page.locator('#confirm-rollback').click();
    await page.getByText(/Rollback run \d+ finished: SUCCESS \(1 changes\)/).waitFor();

    await page.locator('#preview-rollback').click();
    await page.locator('.notice.error', { hasText: /Refused: run \d+ was already rolled back by run \d+/ }).waitFor();
    await expect(preview.count()).resolves.toBe(0);
  });

  test('simulate 3, 7, 15 and 40 units: 1, 2, 3 and 8 with their tiers; the current inventory is paged and searchable', async () => {
    await tab('simulate');
    await page.locator('input[name="quantities"]').fill('3 7 15 40');
    await page.locator('#simulate').click();
    await page.locator('table.simulation tbody tr').first().waitFor();
    expect(await cells('table.simulation tbody tr')).toEqual([
      ['3', '1', '1–5 → 1/2'],
      ['7', '2', '6–9 → 1/3'],
      ['15', '3', '10–19 → 1/4'],
      ['40', '8', '20+ → 1/5'],
    ]);
    await countReaches('table.inventory tbody tr', 3);
    await page.locator('input[name="inventory-sku"]').fill('000003');
    await countReaches('table.inventory tbody tr', 1);
    expect(await cells('table.inventory tbody tr')).toEqual([['AMZ-000003', '4', '2', '2']]);
    await shot('simulate', '#simulate-widget');
  });

  test('health lists the database, each system with its credential expiry, and the scheduler\'s next and last runs', async () => {
    // A worker runs two scheduled jobs (polling every 200 ms, their time made to come): one succeeds, one fails.
    const worker = await startWorker(h.app.ctx, { processEvery: 200 });
    try {
      const runScheduled = async (name: string) => {
        const done = new Promise<JobWithId>((resolve) => worker.agenda.once(`complete:${name}`, resolve));
        await h.app.t.db.em().execute("update agenda_jobs set next_run_at = now() where name = ? and type = 'single'", [name]);
        return done;
      };
      expect((await runScheduled(ALERT_RULES_JOB)).attrs.failReason).toBeUndefined();
      h.app.sims.notify.email.failNext({ code: 550, message: 'Mailbox unavailable' });
      expect((await runScheduled(DAILY_REPORT_JOB)).attrs.failReason).toContain('SMTP 550');
    } finally {
      await worker.stop();
    }
    await tab('health');
    await page.locator('table.health tr[data-component="database"]').waitFor();
    await expect(page.locator('table.health tbody tr').count()).resolves.toBeGreaterThanOrEqual(4);
    await expect(page.locator('table.schedules').textContent()).resolves.toMatch(/amazon\.stock_sync\s*0 4 \* \* \* \(Asia\/Tokyo\)\s*\d{2}\/\d{2}\/\d{4}, 04:00:00 (JST|GMT\+9)/);
    // Each job's last run and its outcome: never run (—), succeeded, failed with the reason.
    const date = /^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2} (JST|GMT\+9)$/;
    const row = async (job: string) => (await cells(`table.schedules tr[data-job="${job}"]`))[0]!;
    expect((await row('amazon.stock_sync')).slice(3)).toEqual(['—', '—']);
    const [, , , rulesAt, rulesOutcome] = await row(ALERT_RULES_JOB);
    expect([rulesAt, rulesOutcome]).toEqual([expect.stringMatching(date), 'OK']);
    const [, , , reportAt, reportOutcome] = await row(DAILY_REPORT_JOB);
    expect(reportAt).toMatch(date);
    expect(reportOutcome).toMatch(/^Failed\s+daily report .*SMTP 550/);
    await expect(page.locator(`table.schedules tr[data-job="${DAILY_REPORT_JOB}"] .badge.status-failed`).count()).resolves.toBe(1);
    // Colour by days left: green from 14 days, amber under 14, red under 3.
    const rakuten = page.locator('table.health tr[data-component="rakuten"] .badge[class*="expiry-"]');
    await expect(rakuten.getAttribute('class')).resolves.toContain('expiry-green');
    await shot('health', '#health-widget');
    const sim = h.app.sims.rakuten;
    const was = sim.licenseExpiresAt;
    try {
      for (const [days, colour] of [[10, 'amber'], [2, 'red']] as const) {
        // Days left are whole days rounded up (a fresh 28-day token shows 28): an hour short of `days` shows `days`.
        sim.licenseExpiresAt = new Date(Date.now() + days * 86_400_000 - 3_600_000);
        await page.locator('#health-widget button', { hasText: 'Refresh' }).click();
        await page.locator(`table.health tr[data-component="rakuten"] .expiry-${colour}`, { hasText: `${days} days` }).waitFor();
      }
    } finally {
      sim.licenseExpiresAt = was;
    }
  });

  test('a manager approves a pending proposal from the Simulate page', async () => {
    const proposal = await h.app.ctx.inventory.rules.propose('amazon', [{ min: 0, max: 0, share: '0' }, { min: 1, share: '1/2' }], { name: 'op-1', role: 'operator' }, 'flat half');
    await page.locator('#sign-out').click();
    await page.locator('#token').fill(await token('manager', 'boss'));
    await page.locator('#sign-in').click();
    await tab('simulate');
    const card = page.locator(`[data-proposal="${proposal.id}"]`);
    await card.locator('button.approve').click();
    await page.getByText(`Proposal ${proposal.id}: APPROVED`).waitFor();
    await page.getByText(`Rule set ${proposal.id}`).first().waitFor();
    expect((await h.app.ctx.inventory.rules.current('amazon')).ruleSetId).toBe(proposal.id);
  });

  test('a manager rejects a pending proposal, and the rules in force stay', async () => {
    const before = (await h.app.ctx.inventory.rules.current('amazon')).ruleSetId;
    const proposal = await h.app.ctx.inventory.rules.propose('amazon', [{ min: 0, max: 0, share: '0' }, { min: 1, share: '1/3' }], { name: 'op-2', role: 'operator' }, 'a third');
    await tab('simulate');
    await page.locator(`[data-proposal="${proposal.id}"] button.reject`).click();
    await page.getByText(`Proposal ${proposal.id}: REJECTED`).waitFor();
    await expect(page.locator(`[data-proposal="${proposal.id}"]`).count()).resolves.toBe(0);
    expect((await h.app.ctx.inventory.rules.current('amazon')).ruleSetId).toBe(before);
    expect((await h.app.ctx.inventory.rules.list({ source: 'amazon', status: 'REJECTED' })).map((r) => r.id)).toEqual([proposal.id]);
  });

  test('a manager viewing their own proposal is told another manager decides, with no buttons to do it', async () => {
    const own = await h.app.ctx.inventory.rules.propose('amazon', [{ min: 0, max: 0, share: '0' }, { min: 1, share: '1/4' }], { name: 'boss', role: 'manager' }, 'a quarter');
    await tab('simulate');
    const card = page.locator(`[data-proposal="${own.id}"]`);
    await card.getByText('Your own proposal: another manager decides.').waitFor();
    await expect(card.locator('button').count()).resolves.toBe(0);
    await expect(card.textContent()).resolves.toContain('Proposed by boss');
  });

  test('a partner sees read-only pages: no action buttons anywhere', async () => {
    await page.locator('#sign-out').click();
    await page.locator('#token').fill(await token('partner', 'acme'));
    await page.locator('#sign-in').click();
    await expect(page.locator('#who').textContent()).resolves.toContain('acme (partner) · read only');
    await expect(page.locator('nav [data-tab="actions"]').count()).resolves.toBe(0);
    for (const name of ['status', 'health', 'simulate', 'stock', 'orders']) {
      await tab(name);
      await page.locator('main .card').first().waitFor();
      await expect(page.locator('#dry-run, #sync-now, #preview-rollback, #confirm-rollback, button.approve, button.reject').count()).resolves.toBe(0);
    }
  });

  test('an expired token sends the user back to sign-in with a message, never a blank page', async () => {
    await page.locator('#sign-out').click();
    // A token that runs out while the page is open.
    await page.locator('#token').fill(await issueToken(JWT_SECRET, { name: 'short', role: 'operator' }, '2s'));
    await page.locator('#sign-in').click();
    await page.locator('#who').waitFor();
    await page.locator('#sign-in-message', { hasText: /This token expired at/ }).waitFor({ timeout: 5000 });
    await expect(page.locator('#token').isVisible()).resolves.toBe(true);

    // A token the server refuses (signed with another key): the first request brings the user back.
    const forged = await issueToken(new TextEncoder().encode('another-secret-another-secret-0123456789'), { name: 'x', role: 'operator' });
    await page.locator('#token').fill(forged);
    await page.locator('#sign-in').click();
    await page.locator('#sign-in-message', { hasText: /Your session has ended: invalid token/ }).waitFor();

    // Already expired when pasted.
    await page.locator('#token').fill(await issueToken(JWT_SECRET, { name: 'old', role: 'operator' }, '-1m'));
    await page.locator('#sign-in').click();
    await page.locator('#sign-in-message', { hasText: /This token expired at/ }).waitFor();
  });

  test('Japanese when the browser asks for it, switchable to English; usable on a tablet', async () => {
    const ja = await browser.newContext({ locale: 'ja-JP', viewport: { width: 768, height: 1024 }, hasTouch: true });
    try {
      const p = await newPage(ja);
      await p.goto(`${base}/`);
      await p.getByRole('heading', { name: 'Tsunagi 運用ダッシュボード' }).waitFor();
      await p.locator('#use-sandbox-token').click();
      await p.locator('nav [data-tab="status"]', { hasText: '実行履歴' }).waitFor();
      await p.locator('select[name="lang"]').selectOption('en');
      await p.locator('nav [data-tab="status"]', { hasText: 'Status' }).waitFor();
      // Wide tables scroll inside their card; the page itself never scrolls sideways.
      for (const name of ['status', 'actions', 'health', 'simulate', 'stock', 'orders']) {
        await p.locator(`nav [data-tab="${name}"]`).click();
        await p.locator('main .card').waitFor();
        expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      }
    } finally {
      await ja.close();
    }
  });

  test('GraphiQL is bundled and served at /graphql to browsers in sandbox mode, with the token filled in', async () => {
    // GraphiQL loads the schema by introspection, with the token from the field.
    const introspection = page.waitForResponse((r) => r.url() === h.gateway.url && r.request().method() === 'POST');
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    expect(await page.locator('#token').inputValue()).toMatch(/^eyJ/);
    const answer = await introspection;
    expect(answer.status()).toBe(200);
    expect(((await answer.json()) as { data: { __schema: { queryType: { name: string } } } }).data.__schema.queryType.name).toBe('Query');
    await page.screenshot({ path: join(SHOTS, 'graphiql.png') });
  });

  test('no page logged an error or a CSP refusal', () => {
    expect(problems).toEqual([]);
  });
});
