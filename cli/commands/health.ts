import type { Command } from 'commander';
import type { ConnectorHealth } from '../../subgraphs/inventory/ports.js';
import { latestRunFailed } from '../../subgraphs/reporting/services/alert-conditions.js';
import { runCommand } from '../context.js';
import { EXIT } from '../output.js';

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('database, each connector (auth, reachability, credential expiry), the scheduler, the hub, disk space and the last run')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async (ctx, out) => {
        let database = { ok: true, detail: ctx.db.embedded ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL server' };
        try {
          await ctx.db.ping();
        } catch (err) {
          database = { ok: false, detail: (err as Error).message };
        }
        const connectors: ConnectorHealth[] = await Promise.all(
          ctx.healthChecks().map((c) => c.health().catch((err: Error) => ({ name: '?', ok: false, detail: err.message, expiresInDays: null }))),
        );
        const [lastRun, system] = await Promise.all([ctx.inventory.history.lastRun(), ctx.systemHealth.check()]);
        const { status: scheduler, ...schedulerHealth } = system.scheduler;
        out.result({ database: { ok: database.ok }, connectors, scheduler: { ...schedulerHealth, jobs: scheduler?.jobs ?? [] }, hub: system.hub, disks: system.disks, lastRun });
        const mark = (ok: boolean) => (ok ? '[OK]  ' : '[FAIL]');
        out.line(`${mark(database.ok)} database   ${database.detail}`);
        for (const c of connectors) {
          const days = c.expiresInDays === null || /expire/i.test(c.detail) ? '' : `; credential expires in ${c.expiresInDays} days`;
          const at = c.expiresAt ? ` (${out.time(c.expiresAt)})` : '';
          out.line(`${mark(c.ok)} ${c.name.padEnd(10)} ${c.detail}${days}${at}`);
          // A system with several channels (a marketplace's shops): each with its own expiry.
          for (const p of c.parts ?? []) out.line(`  ${mark(p.ok)} ${p.name.padEnd(10)} ${p.detail}${p.expiresAt ? ` (${out.time(p.expiresAt)})` : ''}`);
        }
        out.line(`${mark(system.scheduler.ok)} scheduler  ${system.scheduler.detail}`);
        for (const j of scheduler?.jobs ?? []) {
          const last = j.lastRunAt ? `last ${out.time(j.lastRunAt)}${latestRunFailed(j) ? ' FAILED' : ''}` : 'not run yet';
          out.line(`  ${j.name.padEnd(24)} ${last}; next ${j.nextRunAt ? out.time(j.nextRunAt) : '-'}${j.stored ? '' : ' (not scheduled by a worker)'}`);
        }
        out.line(`${mark(system.hub.ok)} hub        ${system.hub.detail}${system.hub.since ? ` since ${out.time(system.hub.since)}` : ''}`);
        for (const d of system.disks) out.line(`${mark(d.ok)} ${d.name.padEnd(10)} ${d.detail}`);
        out.line(lastRun ? `Last run: #${lastRun.id} ${lastRun.kind.toLowerCase()} ${lastRun.dryRun ? '(dry run) ' : ''}${lastRun.status} at ${out.time(lastRun.startedAt)}` : 'Last run: none yet');
        const lastRunOk = !lastRun || ['SUCCESS', 'ROLLED_BACK', 'RUNNING'].includes(lastRun.status);
        const systemOk = system.scheduler.ok && system.hub.ok && system.disks.every((d) => d.ok);
        return database.ok && connectors.every((c) => c.ok) && systemOk && lastRunOk ? EXIT.ok : EXIT.failed;
      }),
    );
}
