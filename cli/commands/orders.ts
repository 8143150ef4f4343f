import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { runCommand } from '../context.js';
import { EXIT, parseNonNegativeInt, table, UsageError, type Output } from '../output.js';
import { signedActor, tokenOption, WRITE_ROLES } from './identity.js';

/** How long a command that re-queued messages works them before it reports (the hub's worker may do it too). */
const SETTLE_MS = 60_000;

/** "2026-11-27", "2026-11-27T10:00" (in the configured timezone) or a full ISO 8601 time with its offset. */
export async function parseTime(text: string, what: string, timezone: string): Promise<Date> {
  const { DateTime } = await import('luxon');
  const t = DateTime.fromISO(text.trim(), { zone: timezone });
  if (!t.isValid) throw new UsageError(`${what}: "${text}" is not a date or time (e.g. 2026-11-27 or 2026-11-27T10:00, read in ${timezone})`);
  return t.toJSDate();
}

/**
 * Works the inbox and the outbox in this process until nothing is due or `SETTLE_MS` passes, so the operator
 * sees the outcome of a retry or replay; then says what is still waiting and what is dead.
 */
export async function settleQueues(ctx: AppContext, out: Output): Promise<{ pending: number; dead: number }> {
  const until = Date.now() + SETTLE_MS;
  for (;;) {
    const { inbox, outbox } = await ctx.orders.pipeline.runOnce();
    const q = await ctx.orders.queues();
    const pending = q.inbox.pending + q.outbox.pending;
    if ((inbox + outbox === 0 && pending === 0) || Date.now() > until) return { pending, dead: q.inbox.dead + q.outbox.dead };
    if (inbox + outbox === 0) {
      // Waiting retries: they fall due on their backoff; say so rather than wait silently.
      if (Date.now() + 1000 > until) out.notice(`[INFO] ${pending} message(s) still waiting for their next attempt; the worker goes on with them.`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export function registerOrders(program: Command): void {
  const orders = program.command('orders').description('orders from the channels: list, show, dead letters and their retry');

  orders
    .command('list')
    .description('orders, newest first')
    .option('--channel <channel>', 'one channel only (e.g. shopee:SG)')
    .option('--status <status>', 'one status only (pending_payment, confirmed, shipped, delivered, cancelling, cancelled, returning)')
    .option('--first <n>', 'how many (1-200)', '20')
    .option('--after <cursor>', 'the page after this cursor (printed under the list)')
    .action((opts: { channel?: string; status?: string; first: string; after?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const page = await ctx.orders.list({
          first: parseNonNegativeInt(opts.first, '--first', { min: 1, max: 200 }), after: opts.after,
          channels: opts.channel ? [opts.channel] : undefined, statuses: opts.status ? [opts.status] : undefined,
        });
        out.result(page);
        out.line(table(page.orders.map((o) => [
          o.id, o.channel, o.orderSn, o.status, out.time(o.placedAt), `${o.totalMinor} ${o.currency}`, o.omsOrderId ?? '-', o.trackingNumber ?? '-',
        ]), ['ID', 'CHANNEL', 'ORDER', 'STATUS', 'PLACED', 'TOTAL (MINOR)', 'OMS', 'TRACKING']));
        if (page.hasNextPage) out.line(`More: tsunagi orders list --after ${page.endCursor}`);
      }, () => void parseNonNegativeInt(opts.first, '--first', { min: 1, max: 200 })),
    );

  orders
    .command('show <order>')
    .description('one order by id or channel order number: lines, status history, OMS id, tracking (no personal data)')
    .action((ref: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const byId = /^\d{1,15}$/.test(ref) ? (await ctx.orders.get([Number(ref)])).get(Number(ref)) : undefined;
        const order = byId ?? (await ctx.orders.findByOrderSn(ref));
        if (!order) {
          out.result({ error: `no order ${ref}` });
          out.notice(`[ERROR] No order has the id or order number ${ref}.`);
          return EXIT.failed;
        }
        const lines = (await ctx.orders.lines([order.id])).get(order.id) ?? [];
        const history = await ctx.orders.history(order.id);
        out.result({ order, lines, history });
        out.line(`Order ${order.id}: ${order.channel} ${order.orderSn}, ${order.status} (${order.channelStatus}), placed ${out.time(order.placedAt)}`);
        out.line(`  total ${order.totalMinor} ${order.currency} (minor units)   OMS ${order.omsOrderId ?? '-'}   tracking ${order.trackingNumber ?? '-'}${order.trackingSentAt ? ` (on the channel since ${out.time(order.trackingSentAt)})` : ''}`);
        out.line(table(lines.map((l) => [l.lineNo, l.sku, l.quantity, l.unitPriceMinor]), ['LINE', 'SKU', 'QTY', 'UNIT PRICE (MINOR)']));
        out.line(table(history.map((h) => [out.time(h.at), h.status, h.channelStatus ?? '-', h.source]), ['AT', 'STATUS', 'CHANNEL STATUS', 'SOURCE']));
      }),
    );

  orders
    .command('failed')
    .description('dead letters: order webhooks and calls out (OMS, tracking back) that failed after their retries')
    .option('--limit <n>', 'rows (1-1000)', '100')
    .action((opts: { limit: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const dead = await ctx.orders.deadLetters(parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 1000 }));
        out.result(dead);
        if (dead.length === 0) return out.line('No dead letters.');
        out.line(table(dead.map((d) => [d.id, d.kind, d.channel ?? '-', d.orderSn ?? '-', d.attempts, out.time(d.createdAt), d.lastError ?? '']),
          ['ID', 'KIND', 'CHANNEL', 'ORDER', 'ATTEMPTS', 'SINCE', 'LAST ERROR']));
        out.line('');
        out.line('Retry once the cause is fixed: tsunagi orders retry <id> ... (or --all)');
      }, () => void parseNonNegativeInt(opts.limit, '--limit', { min: 1, max: 1000 })),
    );

  tokenOption(orders.command('retry [ids...]'))
    .description('put dead letters (ids from `orders failed`) back in their queue with a fresh retry budget, and work them')
    .option('--all', 'every dead letter')
    .action((ids: string[], opts: { all?: boolean; token?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const actor = await signedActor(ctx, out, opts.token, WRITE_ROLES);
        const n = await ctx.orders.retry(opts.all ? 'all' : ids);
        ctx.logger.info({ ids: opts.all ? 'all' : ids, actor: actor.name, retried: n }, `order dead letters retried: ${n}`);
        const after = await settleQueues(ctx, out);
        out.result({ retried: n, ...after });
        out.line(`Retried ${n} dead letter(s); now ${after.pending} waiting, ${after.dead} dead.`);
        return after.dead > 0 ? EXIT.failed : EXIT.ok;
      }, async () => {
        if (!opts.all && ids.length === 0) throw new UsageError('name the dead letters to retry (ids from `tsunagi orders failed`), or --all');
        if (opts.all && ids.length > 0) throw new UsageError('give ids or --all, not both');
        const { parseMessageId } = await import('../../subgraphs/orders/services/messages.js');
        ids.forEach(parseMessageId);
      }),
    );
}
