import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { parseQuantity } from '../../subgraphs/inventory/quantity.js';
import { runCommand } from '../context.js';

/** The simulated warehouse (the wms connector's simulator). */
const WMS = 'wms';

export function registerWmsSandbox(sandbox: Command, requireSandbox: (ctx: AppContext) => { call<T>(system: string, method: string, ...args: unknown[]): Promise<T> }): void {
  const wms = sandbox.command('wms').description('the simulated warehouse (WMS)');
  wms
    .command('set-stock <sku> <available>')
    .description("change the warehouse's available stock of a SKU, as the real WMS would: its stream carries the change to the consumer (the worker)")
    .action((sku: string, available: string, _opts: unknown, cmd: Command) => {
      let quantity = 0;
      return runCommand(cmd, async (ctx, out) => {
        const seq = await requireSandbox(ctx).call<number>(WMS, 'setStock', sku, quantity);
        ctx.logger.info({ sku, available: quantity, seq }, `sandbox: the WMS now holds ${sku}: ${quantity} available`);
        out.result({ sku, available: quantity, seq });
        out.line(`[SANDBOX] The WMS now holds ${sku}: ${quantity} available (stream event #${seq}).`);
      }, () => {
        quantity = parseQuantity(available, 'available');
      });
    });
}
