// The hub's own health beside the systems' (CLI `health` and the GraphQL health query): the scheduler (every
// job's last and next run, whether its latest run failed, whether a worker takes due jobs), whether a hub serves
// the data directory, and the free space of the data and log directories under the disk_space rule's limits.
import type { NotificationsConfig } from '../../../platform/config/index.js';
import type { SchedulerStatus } from '../ports.js';
import { diskSpace, latestRunFailed } from './alert-conditions.js';

export interface ComponentStatus {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SystemHealthReport {
  scheduler: ComponentStatus & { status: SchedulerStatus | null };
  /** `since`: when the running hub started. */
  hub: ComponentStatus & { since?: Date };
  disks: ComponentStatus[];
}

export interface SystemHealthDeps {
  scheduler: () => Promise<SchedulerStatus>;
  hub: () => Promise<{ ok: boolean; detail: string; since?: Date }>;
  dirs: { dir: string; path: string }[];
  disk: NotificationsConfig['rules']['disk_space'];
}

export class SystemHealth {
  constructor(private readonly deps: SystemHealthDeps) {}

  async check(): Promise<SystemHealthReport> {
    const [scheduler, hub, disks] = await Promise.all([this.scheduler(), this.hub(), this.disks()]);
    return { scheduler, hub, disks };
  }

  private async scheduler(): Promise<SystemHealthReport['scheduler']> {
    try {
      const status = await this.deps.scheduler();
      const failed = status.jobs.filter((j) => latestRunFailed(j)).map((j) => `${j.name} failed: ${j.failReason ?? 'no reason recorded'}`);
      return { name: 'scheduler', ok: status.workerAlive && failed.length === 0, detail: [status.workerDetail, ...failed].join('; '), status };
    } catch (err) {
      return { name: 'scheduler', ok: false, detail: (err as Error).message, status: null };
    }
  }

  private async hub(): Promise<SystemHealthReport['hub']> {
    return { name: 'hub', ...(await this.deps.hub().catch((err: Error) => ({ ok: false, detail: err.message }))) };
  }

  private async disks(): Promise<ComponentStatus[]> {
    const { min_free_mb: mb, min_free_percent: percent } = this.deps.disk;
    try {
      const { checks } = await diskSpace(this.deps.disk, this.deps.dirs);
      return checks.map((c) => ({
        name: `disk:${c.subject}`, ok: !c.holds,
        detail: `${c.vars!.path}: ${c.vars!.free_mb} MB free (${c.vars!.free_percent}%)${c.holds ? `, below the limit (${mb} MB and ${percent}%)` : ''}`,
      }));
    } catch (err) {
      return this.deps.dirs.map((d) => ({ name: `disk:${d.dir}`, ok: false, detail: `${d.path}: ${(err as Error).message}` }));
    }
  }
}
