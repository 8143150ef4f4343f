// The Orders tab: recent orders from the public API's orders(...), paged, filtered by channel and status, and kept
// live through orderChanged (a changed order is redrawn in place; a new one shows on the first page).
import { html, nothing } from 'lit-html';
import type { Api } from './api';
import type { Lang, MessageKey } from './i18n';
import * as Q from './queries';

/** What the tab needs from the page around it. */
export interface Shell {
  call<T>(fn: (api: Api) => Promise<T>): Promise<T | undefined>;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  fmtDate(value: string | null | undefined): string;
  lang(): Lang;
  update(): void;
}

const PAGE = 20;
const STATUSES = ['pending_payment', 'confirmed', 'shipped', 'delivered', 'cancelling', 'cancelled', 'returning'];

export class OrdersTab {
  private orders: Q.Order[] | null = null;
  private error: string | null = null;
  private channel = '';
  private status = '';
  /** Cursor stack: one per page seen; the last is the current page's `after`. */
  private after: (string | null)[] = [null];
  private end: string | null = null;
  private hasNext = false;
  /** Every channel an order was seen on, for the filter's suggestions. */
  private channels = new Set<string>();
  private timer: number | undefined;

  constructor(private readonly shell: Shell) {}

  /** Streams order changes for the session; returns the unsubscribe. */
  listen(api: Api): () => void {
    return api.subscribe<{ orderChanged: Q.OrderChange }>(Q.ORDER_CHANGED, {}, { next: ({ orderChanged }) => this.changed(orderChanged) });
  }

  reset(): void {
    this.orders = null;
    this.after = [null];
  }

  async load(after: (string | null)[] = this.after): Promise<void> {
    try {
      const data = await this.shell.call((api) => api.request<{ orders: Q.OrderPage }>(Q.ORDERS, {
        first: PAGE, after: after.at(-1) ?? null, channel: this.channel || null, status: this.status || null,
      }));
      if (!data) return;
      this.orders = data.orders.edges.map((e) => e.node);
      for (const o of this.orders) this.channels.add(o.channel);
      [this.after, this.end, this.hasNext, this.error] = [after, data.orders.pageInfo.endCursor, data.orders.pageInfo.hasNextPage, null];
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.shell.update();
  }

  private changed(change: Q.OrderChange): void {
    const order = change.order;
    if (!order || !this.orders) return;
    this.channels.add(order.channel);
    const at = this.orders.findIndex((o) => o.id === order.id);
    const shown = (!this.channel || order.channel === this.channel) && (!this.status || order.status === this.status);
    if (at >= 0) {
      if (shown) this.orders[at] = order;
      else this.orders.splice(at, 1);
    } else if (shown && this.after.length === 1) {
      this.orders = [order, ...this.orders].slice(0, PAGE);
    }
    this.shell.update();
  }

  private money(m: Q.OrderMoney): string {
    try {
      const format = new Intl.NumberFormat(this.shell.lang() === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency: m.currency });
      return format.format(m.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 0));
    } catch {
      // A code Intl does not know: the minor units as they are.
      return `${m.amount} ${m.currency}`;
    }
  }

  private filter(key: 'channel' | 'status', value: string, wait: boolean): void {
    this[key] = value;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load([null]), wait ? 250 : 0);
  }

  /** A status word the API documents, translated; any other as it is. */
  private statusLabel(status: string): string {
    return STATUSES.includes(status) ? this.shell.t(`order.${status}` as MessageKey) : status;
  }

  view() {
    const { t, fmtDate } = this.shell;
    return html`<section class="card" id="orders-widget" aria-labelledby="orders-title">
      <header class="card-head">
        <h2 id="orders-title">${t('tabOrders')}</h2>
        <div class="filters">
          <label>${t('channel')} <input type="search" name="order-channel" list="order-channels" placeholder="shopee:SG" .value=${this.channel}
            @input=${(e: Event) => this.filter('channel', (e.target as HTMLInputElement).value.trim(), true)} /></label>
          <datalist id="order-channels">${[...this.channels].sort().map((c) => html`<option value=${c}></option>`)}</datalist>
          <label>${t('status')} <select name="order-status" @change=${(e: Event) => this.filter('status', (e.target as HTMLSelectElement).value, false)}>
            <option value="">${t('all')}</option>${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${this.statusLabel(s)}</option>`)}
          </select></label>
          <button type="button" class="secondary" @click=${() => void this.load()}>${t('refresh')}</button>
        </div>
      </header>
      ${this.error ? html`<p class="notice error" role="alert">${this.error}</p>` : nothing}
      ${this.orders === null ? html`<p>${t('loading')}</p>` : this.orders.length === 0 ? html`<p>${t('noOrders')}</p>` : html`
        <div class="scroll"><table class="orders">
          <thead><tr><th>${t('channel')}</th><th>${t('orderSn')}</th><th>${t('status')}</th><th>${t('placed')}</th><th>${t('total')}</th>
            <th>${t('omsId')}</th><th>${t('tracking')}</th></tr></thead>
          <tbody>${this.orders.map((o) => html`<tr data-order=${o.orderSn}>
            <td>${o.channel}</td><td>${o.orderSn}</td>
            <td><span class="badge order-${o.status}" title=${o.channelStatus}>${this.statusLabel(o.status)}</span></td>
            <td>${fmtDate(o.placedAt)}</td><td class="total">${this.money(o.total)}</td>
            <td>${o.omsOrderId ?? '—'}</td><td>${o.trackingNumber ? `${o.trackingNumber}${o.carrier ? ` (${o.carrier})` : ''}` : '—'}</td>
          </tr>`)}</tbody>
        </table></div>`}
      <div class="pager">
        <button type="button" class="secondary" ?disabled=${this.after.length <= 1} @click=${() => void this.load(this.after.slice(0, -1))}>${t('previous')}</button>
        <button type="button" class="secondary" ?disabled=${!this.hasNext} @click=${() => void this.load([...this.after, this.end])}>${t('next')}</button>
      </div>
    </section>`;
  }
}
