import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import type { Sandbox } from '../../connectors/sandbox/index.js';
import { runCommand } from '../context.js';
import { table, UsageError } from '../output.js';

interface OmsOrderView {
  id: string;
  external_order_id: string;
  channel?: string;
  status: string;
  tracking_number?: string | null;
  lines: { sku: string; quantity: number; unit_price_minor: number }[];
}

/** `tsunagi sandbox oms …`: what the OMS simulator holds, and shipping an order there. */
export function registerOmsSandbox(sandbox: Command, requireSandbox: (ctx: AppContext) => Sandbox): void {
  const oms = sandbox.command('oms').description('the simulated OMS: its orders, and shipping one');

  oms
    .command('orders')
    .description('the orders the OMS simulator holds, oldest first')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const orders = await requireSandbox(ctx).call<OmsOrderView[]>('oms', 'listOrders');
        out.result(orders.map((o) => ({ orderSn: o.external_order_id, omsOrderId: o.id, channel: o.channel ?? null, status: o.status, trackingNumber: o.tracking_number ?? null, lines: o.lines })));
        if (orders.length === 0) return out.line('[SANDBOX] The OMS holds no orders yet.');
        out.line(table(orders.map((o) => [o.id, o.external_order_id, o.channel ?? '-', o.status, o.tracking_number ?? '-', o.lines.map((l) => `${l.quantity}×${l.sku}`).join(' ')]),
          ['OMS ID', 'ORDER', 'CHANNEL', 'STATUS', 'TRACKING', 'LINES']));
      }),
    );

  oms
    .command('ship <orderSn>')
    .description('ship an order in the OMS simulator: it gets a tracking number and the OMS sends its signed shipment webhook to the hub')
    .option('--tracking <number>', 'the tracking number (default: a new one)')
    .option('--carrier <name>', 'the carrier')
    .action((orderSn: string, opts: { tracking?: string; carrier?: string }, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        const sim = requireSandbox(ctx);
        if (!(await sim.call<unknown>('oms', 'getOrder', orderSn))) throw new UsageError(`orderSn: the OMS simulator holds no order ${orderSn} (see tsunagi sandbox oms orders)`);
        const shipped = await sim.call<{ omsOrderId: string; orderSn: string; trackingNumber: string; delivery: { delivered: boolean; lastStatus: number | null } | null }>(
          'oms', 'ship', orderSn, { ...(opts.tracking ? { trackingNumber: opts.tracking } : {}), ...(opts.carrier ? { carrier: opts.carrier } : {}) },
        );
        ctx.logger.info({ orderSn, omsOrderId: shipped.omsOrderId, delivered: shipped.delivery?.delivered ?? false }, `sandbox: OMS shipped ${orderSn}`);
        out.result(shipped);
        out.line(`[SANDBOX] The OMS shipped ${orderSn} (${shipped.omsOrderId}) with tracking number ${shipped.trackingNumber}.`);
        if (shipped.delivery?.delivered) out.line('[SANDBOX] Its shipment webhook was acknowledged by the hub; the tracking number goes on to the channel.');
        else out.notice(`[SANDBOX] No hub acknowledged the shipment webhook (${shipped.delivery ? `HTTP ${shipped.delivery.lastStatus ?? 'unreachable'}` : 'no hub has registered its URL: start one with npm start'}); the OMS retries it, and the hourly poll_shipments finds it too.`);
      }, () => {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(orderSn)) throw new UsageError(`orderSn: letters, digits, _ and - only, got "${orderSn}"`);
        if (opts.tracking !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(opts.tracking)) throw new UsageError('--tracking: letters, digits and - only (1-64)');
      }),
    );
}
