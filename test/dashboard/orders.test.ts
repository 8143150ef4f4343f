// The dashboard's Orders tab in a real browser against a hub in sandbox mode: real orders placed on the Shopee
// simulator, pushed to the hub's webhook, worked through the inbox and outbox to the OMS simulator (as
// test/orders/flow.test.ts does), then shown, filtered, paged and kept live by orderChanged.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OmsSimulator } from '../../connectors/oms/simulator.js';
import type { ShopeeSimulator } from '../../connectors/shopee/simulator.js';
import { startHarness, token, type Harness } from '../graphql/support.js';
import { launchBrowser } from '../support/browser.js';

const SHOTS = process.env.TSUNAGI_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-output/screenshots';

let h: Harness;
let shopee: ShopeeSimulator;
let oms: OmsSimulator;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
/** The first orders, by their part in the story. */
const sn = { sg: '', my: '', shipped: '' };

/** Works the inbox and outbox until nothing is due. */
async function drain(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { inbox, outbox } = await h.app.ctx.orders.pipeline.runOnce();
    const q = await h.app.ctx.orders.queues();
    if (inbox + outbox === 0 && q.inbox.pending + q.outbox.pending === 0) return;
  }
  throw new Error('the order queues did not drain');
}

const row = (orderSn: string) => page.locator(`table.orders tr[data-order="${orderSn}"]`);
const cells = (orderSn: string) => row(orderSn).locator('td').allTextContents();
/** Waits until the table lists exactly these orders (it renders once its request answers). */
const listReaches = (orderSns: string[]) =>
  page.waitForFunction((want) => [...document.querySelectorAll('table.orders tbody tr')].map((tr) => tr.getAttribute('data-order')).join() === want.join(), orderSns);
const shownOrders = () => page.locator('table.orders tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order')!));
const omsId = (orderSn: string) => oms.listOrders().find((o) => o.external_order_id === orderSn)!.id;

async function signIn(role: 'operator' | 'partner'): Promise<void> {
  if (await page.locator('#sign-out').count()) await page.locator('#sign-out').click();
  await page.locator('#token').fill(await token(role, role === 'partner' ? 'acme' : 'op-1'));
  await page.locator('#sign-in').click();
  await page.locator('#who').waitFor();
}

beforeAll(async () => {
  if (!existsSync('dist/web/index.html')) throw new Error('the dashboard is not built: run `npm run build:web` (npm test builds it first)');
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness();
  shopee = h.app.sims.shopee as unknown as ShopeeSimulator;
  oms = h.app.sims.oms as unknown as OmsSimulator;
  shopee.addItem('SG', { item_sku: 'AMZ-000001', stock: 100 });
  shopee.addItem('MY', { item_sku: 'AMZ-000001', stock: 100 });
  sn.sg = (await shopee.placeOrder('SG', 'AMZ-000001', 2, { price: 12.5 })).order.order_sn;
  // Shopee's create_time is in whole seconds: the second order is placed in a later one, so newest-first is defined.
  await new Promise((r) => setTimeout(r, 1100));
  sn.my = (await shopee.placeOrder('MY', 'AMZ-000001', 1, { price: 30 })).order.order_sn;
  await drain();
  browser = await launchBrowser();
  context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(h.gateway.url.replace(/\/graphql$/, '/'));
  await signIn('operator');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the Orders tab', () => {
  test('lists recent orders: channel, order number, status, placed, total with currency, OMS id, tracking', async () => {
    await page.locator('nav [data-tab="orders"]').click();
    await row(sn.sg).waitFor();
    expect(await shownOrders()).toEqual([sn.my, sn.sg]);
    const [channel, orderSn, status, placed, total, omsOrderId, tracking] = await cells(sn.sg);
    expect([channel, orderSn, status, total, omsOrderId, tracking]).toEqual(['shopee:SG', sn.sg, 'Confirmed', 'SGD\u00a025.00', omsId(sn.sg), '—']);
    expect(placed).toMatch(/^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2} (JST|GMT\+9)$/);
    expect((await cells(sn.my))[4]).toBe('MYR\u00a030.00');
  });

  test('a new order and a shipment show up live, without a reload', async () => {
    const { order } = await shopee.placeOrder('SG', 'AMZ-000001', 1, { price: 8 });
    sn.shipped = order.order_sn;
    await drain();
    await row(order.order_sn).waitFor();
    expect((await shownOrders())[0]).toBe(order.order_sn);
    await oms.ship(order.order_sn, { trackingNumber: 'SG-TRK-0042', carrier: 'Ninja Van' });
    await drain();
    await row(order.order_sn).locator('td', { hasText: 'SG-TRK-0042 (Ninja Van)' }).waitFor();
    await expect(row(order.order_sn).locator('.badge').textContent()).resolves.toBe('Shipped');
    await page.locator('#orders-widget').screenshot({ path: join(SHOTS, 'orders.png') });
  });

  test('filters by channel and by status', async () => {
    await page.locator('input[name="order-channel"]').fill('shopee:MY');
    await listReaches([sn.my]);
    await page.locator('input[name="order-channel"]').fill('');
    await page.locator('select[name="order-status"]').selectOption('shipped');
    await listReaches([sn.shipped]);
    await page.locator('select[name="order-status"]').selectOption('cancelled');
    await page.locator('#orders-widget').getByText('No orders.').waitFor();
    await page.locator('select[name="order-status"]').selectOption('');
    await listReaches([sn.shipped, sn.my, sn.sg]);
  });

  test('pages forward and back, 20 orders at a time', async () => {
    for (let i = 0; i < 20; i++) await shopee.placeOrder('SG', 'AMZ-000001', 1, { price: 5 });
    await drain();
    const pager = page.locator('#orders-widget .pager');
    await page.locator('#orders-widget button', { hasText: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 20);
    await expect(pager.getByRole('button', { name: 'Previous' }).isDisabled()).resolves.toBe(true);
    const first = await shownOrders();
    await pager.getByRole('button', { name: 'Next' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 3);
    const second = await shownOrders();
    await expect(pager.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    expect(new Set([...first, ...second]).size).toBe(23);
    expect(second).toContain(sn.sg);
    await pager.getByRole('button', { name: 'Previous' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 20);
    expect(await shownOrders()).toEqual(first);
  });

  test('a partner sees the orders read-only, in Japanese when asked', async () => {
    await signIn('partner');
    await page.locator('select[name="lang"]').selectOption('ja');
    await page.locator('nav [data-tab="orders"]', { hasText: '注文' }).click();
    // The newest 20, every one confirmed by the OMS.
    const badges = page.locator('table.orders tbody .badge');
    await page.waitForFunction(() => document.querySelectorAll('table.orders tbody tr').length === 20);
    expect(new Set(await badges.allTextContents())).toEqual(new Set(['確定']));
    // Only the filters, the refresh and the pager: nothing that changes an order.
    const buttons = await page.locator('#orders-widget button').allTextContents();
    expect(buttons.sort()).toEqual(['前へ', '更新', '次へ'].sort());
  });

  test('no page logged an error', () => {
    expect(problems).toEqual([]);
  });
});
