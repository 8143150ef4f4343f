// The alert rules' conditions, each checked from what the system already records: the integration log (error
// rate), the systems' health (reachability, credential expiry), the job store (jobs that failed or did not run),
// the file systems of the data and log directories (disk space). Each gives, per subject, whether it holds now.
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { NotificationsConfig } from '../../../platform/config/index.js';
import type { ConnectorHealth } from '../../../platform/integrations/index.js';
import { formatTime } from '../../../platform/time.js';
import type { JobStatus } from '../ports.js';
import type { CallStats } from '../service.js';

export type { JobStatus };

type Rules = NotificationsConfig['rules'];
export type RuleName = 'error_rate' | 'unreachable' | 'jobs' | 'credential_expiry' | 'disk_space';

/** The alert type (template) each rule sends. */
export const RULE_ALERT_TYPES: Record<RuleName, string> = {
  error_rate: 'error_rate', unreachable: 'unreachable', jobs: 'job_missed', credential_expiry: 'credential_expiring', disk_space: 'disk_space',
};

/** One subject's state under a rule: holding (with what the alert says) or clear. */
export interface Check {
  subject: string;
  holds: boolean;
  vars?: Record<string, string | number>;
  fields?: Record<string, string | number>;
}

/**
 * What a rule checked. `complete`: every subject the rule covers was checked, so a subject it no longer lists
 * (a system or job removed from config) has cleared; otherwise an unlisted subject is unknown and left as it is.
 */
export interface RuleResult {
  checks: Check[];
  complete: boolean;
}

/** Whether a job's latest run failed: Agenda keeps the failure's time beside the last finish, which a failure also sets. */
export const latestRunFailed = (j: JobStatus): boolean =>
  Boolean(j.failedAt && j.lastFinishedAt && j.failedAt.getTime() >= j.lastFinishedAt.getTime());

const round1 = (n: number) => Math.round(n * 10) / 10;

export function errorRate(rule: Rules['error_rate'], stats: CallStats[]): RuleResult {
  return {
    // Too few calls say nothing either way: those systems keep their state.
    checks: stats
      .filter((s) => s.calls >= rule.min_calls)
      .map((s) => {
        const rate = round1((s.failed / s.calls) * 100);
        return {
          subject: s.system, holds: rate >= rule.threshold_percent,
          vars: { system: s.system, rate, failed: s.failed, calls: s.calls, minutes: rule.minutes, threshold: rule.threshold_percent, last_error: s.lastError ?? '-' },
          fields: { System: s.system, Calls: s.calls, Failed: s.failed },
        };
      }),
    complete: false,
  };
}

export function unreachable(health: ConnectorHealth[]): RuleResult {
  return {
    checks: health.map((h) => ({ subject: h.name, holds: !h.ok, vars: { system: h.name, detail: h.detail }, fields: { System: h.name } })),
    complete: true,
  };
}

export function credentialExpiry(rule: Rules['credential_expiry'], health: ConnectorHealth[], timezone: string): RuleResult {
  return {
    checks: health.map((h) => ({
      subject: h.name,
      holds: h.expiresInDays !== null && h.expiresInDays <= rule.days,
      vars: { system: h.name, days: h.expiresInDays ?? '-', expires_at: h.expiresAt ? formatTime(h.expiresAt, timezone) : '-', detail: h.detail },
      fields: { System: h.name, 'Days left': h.expiresInDays ?? '-' },
    })),
    complete: true,
  };
}

/**
 * A scheduled job whose latest run failed, or that is overdue by more than the grace period (no worker ran it);
 * one-off runs of the same job count as its runs.
 */
export function jobs(rule: Rules['jobs'], scheduled: string[], statuses: JobStatus[], now: Date, timezone: string): RuleResult {
  const graceMs = rule.grace_minutes * 60_000;
  return {
    checks: scheduled.map((name) => {
      const rows = statuses.filter((s) => s.name === name);
      const last = rows.filter((r) => r.lastRunAt).sort((a, b) => b.lastRunAt!.getTime() - a.lastRunAt!.getTime())[0];
      const failed = last && latestRunFailed(last);
      const due = rows.map((r) => r.nextRunAt).filter((d): d is Date => d instanceof Date).sort((a, b) => a.getTime() - b.getTime())[0];
      const running = rows.some((r) => r.lockedAt);
      const overdue = !running && (rows.length === 0 || (due !== undefined && due.getTime() < now.getTime() - graceMs));
      const base = { job: name };
      if (failed) {
        return {
          subject: name, holds: true,
          vars: { ...base, problem_ja: '失敗しました', problem_en: 'failed', detail: `${formatTime(last.failedAt!, timezone)}: ${last.failReason ?? '(no reason recorded)'}` },
          fields: { Job: name },
        };
      }
      if (overdue) {
        const detail = due ? `due at ${formatTime(due, timezone)}; no worker has run it` : 'not in the job store: no worker has scheduled it';
        return { subject: name, holds: true, vars: { ...base, problem_ja: '予定どおり実行されていません', problem_en: 'did not run when due', detail }, fields: { Job: name } };
      }
      return { subject: name, holds: false };
    }),
    complete: true,
  };
}

/** The nearest existing directory of a path (a data directory not created yet is on its parent's file system). */
function existing(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

export async function diskSpace(rule: Rules['disk_space'], dirs: { dir: string; path: string }[]): Promise<RuleResult> {
  const checks = await Promise.all(
    dirs.map(async ({ dir, path }) => {
      const s = await statfs(existing(path));
      const freeMb = Math.floor((s.bavail * s.bsize) / 1024 / 1024);
      const freePercent = s.blocks ? round1((s.bavail / s.blocks) * 100) : 0;
      return {
        subject: dir, holds: freePercent < rule.min_free_percent || freeMb < rule.min_free_mb,
        vars: { dir, path, free_mb: freeMb, free_percent: freePercent, min_free_mb: rule.min_free_mb, min_free_percent: rule.min_free_percent },
        fields: { Directory: path, 'Free MB': freeMb, 'Free %': freePercent },
      };
    }),
  );
  return { checks, complete: true };
}
