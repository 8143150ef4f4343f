// The pricing module: the engine's prices brought to every market's shop in the market's currency and precision,
// within the guardrails (what crosses them is held for a manager's approval and alerted), every change ledgered and
// kept as price history; a run has a dry run and a rollback, like a stock run. Other modules reach it only here.
import type { AuditPort } from '../../platform/audit.js';
import type { MarketConfig, PricingSection } from '../../platform/config/index.js';
import { newHolder, releaseLease, tryAcquireLease } from '../../platform/db/lease.js';
import type { Database } from '../../platform/db/index.js';
import { AppError, ForbiddenError, InvalidInputError } from '../../platform/errors.js';
import type { Logger } from '../../platform/log/index.js';
import { decimalToMinor, minorToDecimal, type Money } from '../../platform/money.js';
import type { Actor } from '../../platform/auth/roles.js';
import { PriceRow } from './entities/price.js';
import { PriceChange, type PriceChangeStatus } from './entities/price-change.js';
import { PricingRun, type PricingRunKind } from './entities/pricing-run.js';
import { Guardrails } from './guardrails.js';
import { holdChanges, sendChanges, type PlannedChange, type SentChange } from './ledger.js';
import type { PriceSource, PriceTarget, PricingRuns, PricingRunSummary } from './ports.js';

/** Another pricing run, approval or rollback holds the lock; or the change asked for cannot be acted on. */
export class PricingConflictError extends AppError {
  readonly code = 'CONFLICT';
  override readonly name = 'PricingConflictError';
}

/** A rollback refused (none to undo, too old, already undone). */
export class PricingRefusedError extends AppError {
  readonly code = 'REFUSED';
  override readonly name = 'PricingRefusedError';
}

export interface PriceChangeView {
  id: number;
  runId: number;
  sku: string;
  channel: string;
  country: string;
  currency: string;
  before: number | null;
  after: number;
  reason: string;
  status: PriceChangeStatus;
  heldReason: string | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  error: string | null;
  at: Date;
}

export interface PricingReport extends Omit<PricingRunSummary, 'changeList'> {
  kind: PricingRunKind;
  rules: { id: string; name: string }[];
  computed: number;
  /** The changes, sent, held or (dry run) planned: the first 1,000 (the counts cover all). */
  changeList: PriceChangeView[];
}

export interface PriceView {
  sku: string;
  channel: string;
  country: string;
  amount: number;
  currency: string;
  updatedAt: Date;
}

export interface PricingDeps {
  db: Database;
  auditTrail: AuditPort;
  logger: Logger;
  markets: Record<string, MarketConfig>;
  settings: PricingSection;
  /** The SKUs to price: the active ones of the SKU master. */
  skus(): Promise<string[]>;
  /** The configured pricing engine; null when none is configured. */
  source: PriceSource | null;
  /** Every configured shop whose prices Tsunagi sets. */
  targets: PriceTarget[];
  /** Tells the operators a run held changes for a manager's approval (send_alert). */
  alert(held: { runId: number; count: number; changes: string }): Promise<void>;
}

const list = (report: PricingReport, views: PriceChangeView[]) => report.changeList.push(...views.slice(0, Math.max(0, MAX_LISTED - report.changeList.length)));

/** Map.groupBy, which the ES2023 library this project compiles against lacks. */
function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const LOCK = 'pricing-run';
/** Changes a report lists (its counts cover all of them). */
const MAX_LISTED = 1000;
const LOCK_MS = 30 * 60_000;
const MAX_PAGE = 500;

const view = (r: {
  id: number; runId: number; sku: string; channel: string; country: string; currency: string; before?: number | null; after: number; reason: string;
  status: PriceChangeStatus; heldReason?: string | null; approvedBy?: string | null; approvedAt?: Date | null; error?: string | null; at: Date;
}): PriceChangeView => ({
  id: r.id, runId: r.runId, sku: r.sku, channel: r.channel, country: r.country, currency: r.currency, before: r.before ?? null, after: r.after, reason: r.reason,
  status: r.status, heldReason: r.heldReason ?? null, approvedBy: r.approvedBy ?? null, approvedAt: r.approvedAt ?? null, error: r.error ?? null, at: r.at,
});

/** A report as the pricing engine's operation answers it. */
export function summary(r: PricingReport): PricingRunSummary {
  return {
    runId: r.runId, status: r.status, dryRun: r.dryRun, changes: r.changes, applied: r.applied, held: r.held, failed: r.failed, unchanged: r.unchanged,
    notListed: r.notListed, marketsWithoutShop: r.marketsWithoutShop, errorSummary: r.errorSummary,
    changeList: r.changeList.slice(0, 100).map((c) => ({ sku: c.sku, channel: c.channel, currency: c.currency, before: c.before, after: c.after, status: c.status, heldReason: c.heldReason })),
  };
}

export class PricingService implements PricingRuns {
  private readonly guardrails: Guardrails;
  /** The shops of the configured markets, by channel. */
  private readonly targets = new Map<string, PriceTarget>();

  constructor(private readonly deps: PricingDeps) {
    this.guardrails = new Guardrails(deps.settings, deps.markets);
    for (const t of deps.targets) {
      if (deps.markets[t.channel]) this.targets.set(t.channel, t);
      else deps.logger.warn({ channel: t.channel }, `pricing: ${t.channel} takes prices but is not in config markets; it is not priced`);
    }
  }

  /** The configured markets no system serves. */
  get marketsWithoutShop(): string[] {
    return Object.keys(this.deps.markets).filter((m) => !this.targets.has(m));
  }

  /** A run, answered as the pricing engine's operation does. */
  async runSummary(opts: { source?: PriceSource; dryRun: boolean; trigger: string; actor?: string }): Promise<PricingRunSummary> {
    return summary(await this.run(opts));
  }

  /** Computes every active SKU's price in every market with a shop, and sends those that changed (not in a dry run). */
  async run(opts: { source?: PriceSource; dryRun: boolean; trigger: string; actor?: string }): Promise<PricingReport> {
    const source = opts.source ?? this.deps.source;
    if (!source) throw new InvalidInputError('source', 'no pricing engine is configured (a PriceSource system in integrations.yaml)');
    return this.locked(async () => {
      const rules = (await source.activeRules()).map((r) => ({ id: r.id, name: r.name }));
      const report = await this.startRun('PRICING', opts, rules);
      try {
        const markets = [...this.targets.keys()];
        const countries = [...new Set(markets.map((m) => this.deps.markets[m]!.country))];
        const skus = await this.deps.skus();
        const failures: string[] = [];
        for (let i = 0; i < skus.length && markets.length > 0; i += source.maxSkusPerCall) {
          const chunk = skus.slice(i, i + source.maxSkusPerCall);
          const computed = await source.calculate(chunk, countries);
          report.computed += computed.length;
          const byKey = new Map(computed.map((c) => [`${c.sku}\u0000${c.country}`, c]));
          for (const channel of markets) await this.priceMarket(channel, chunk, byKey, report, opts.dryRun, failures);
        }
        this.finish(report, failures);
      } catch (err) {
        report.status = 'FAILED';
        report.errorSummary = (err as Error).message;
      }
      await this.saveRun(report);
      if (!opts.dryRun && report.held > 0) {
        const held = report.changeList.filter((c) => c.status === 'HELD');
        await this.deps.alert({
          runId: report.runId, count: report.held,
          changes: held.slice(0, 10).map((c) => `${c.sku} ${c.channel}: ${c.heldReason}`).join('\n') + (report.held > 10 ? `\n... (${report.held - 10} more)` : ''),
        }).catch((err) => this.deps.logger.warn({ err }, 'could not alert about held price changes'));
      }
      return report;
    });
  }

  /**
   * Sends one held change (manager or admin; not the one who started its run): an approval run of its own, ledgered
   * and undone by a rollback like any run.
   */
  async approve(id: number, actor: Actor): Promise<PriceChangeView> {
    if (actor.role !== 'manager' && actor.role !== 'admin') throw new ForbiddenError(`${actor.name} has role ${actor.role}; approving a price change needs the manager role`);
    return this.locked(async () => {
      const held = await this.deps.db.em().findOne(PriceChange, { id });
      if (!held) throw new InvalidInputError('id', `price change ${id} does not exist`);
      if (held.status !== 'HELD') throw new PricingConflictError(`price change ${id} is ${held.status}, not HELD`);
      const run = await this.deps.db.em().findOneOrFail(PricingRun, { id: held.runId });
      if (run.actor === actor.name) throw new ForbiddenError(`${actor.name} started pricing run ${run.id} and may not approve its changes`);
      const target = this.targets.get(held.channel);
      if (!target) throw new PricingConflictError(`no configured shop serves ${held.channel} any more`);
      const report = await this.startRun('APPROVAL', { dryRun: false, trigger: 'approval', actor: actor.name }, run.rules);
      const current = (await target.getPrices([held.sku])).get(held.sku) ?? null;
      const change = { sku: held.sku, channel: held.channel, country: held.country, currency: held.currency, before: current?.amount ?? null, after: held.after, reason: held.reason };
      const [sent] = await sendChanges(this.deps.db, report.runId, target, [change], actor.name);
      report.changes = 1;
      report.changeList = [await this.get(sent!.id)];
      this.finish(report, sent!.ok ? [] : [`${sent!.sku} ${sent!.channel}: ${sent!.error}`], sent!.ok ? 1 : 0);
      await this.saveRun(report);
      await this.deps.db.em().nativeUpdate(PriceChange, { id }, { status: 'APPROVED', approvedBy: actor.name, approvedAt: new Date() });
      await this.deps.auditTrail.audit({
        actor: actor.name, action: 'pricing.approve', subject: `price-change:${id}`,
        detail: { sku: held.sku, channel: held.channel, after: held.after, currency: held.currency, heldReason: held.heldReason, run: report.runId, sent: sent!.ok },
      });
      if (!sent!.ok) throw new PricingConflictError(`approved, but ${held.channel} refused the price: ${sent!.error}`);
      return report.changeList[0]!;
    });
  }

  /** Returns every shop to its price before the most recent applied run, from its ledger: within the window, once. */
  async rollback(opts: { runId?: number; dryRun: boolean; trigger: string; actor: string }): Promise<PricingReport> {
    return this.locked(async () => {
      const em = this.deps.db.em();
      const latest = await em.findOne(PricingRun, { dryRun: false, kind: { $in: ['PRICING', 'APPROVAL'] }, status: { $in: ['SUCCESS', 'PARTIAL', 'ROLLED_BACK'] } }, { orderBy: { id: 'desc' } });
      if (!latest) throw new PricingRefusedError('there is no applied pricing run to roll back');
      if (opts.runId !== undefined && opts.runId !== latest.id) {
        throw new PricingRefusedError(`only the most recent applied pricing run can be rolled back: that is run ${latest.id}, not ${opts.runId}`);
      }
      if (latest.rolledBackBy) throw new PricingRefusedError(`pricing run ${latest.id} was already rolled back by run ${latest.rolledBackBy}`);
      const hours = (Date.now() - (latest.finishedAt ?? latest.startedAt).getTime()) / 3_600_000;
      if (hours > this.deps.settings.rollbackWindowHours) {
        throw new PricingRefusedError(`pricing run ${latest.id} finished ${hours.toFixed(1)} hours ago; it can be rolled back within ${this.deps.settings.rollbackWindowHours} hours`);
      }
      const applied = await em.find(PriceChange, { runId: latest.id, status: 'APPLIED' }, { orderBy: { id: 'asc' } });
      const report = await this.startRun('ROLLBACK', opts, latest.rules, latest.id);
      const failures: string[] = [];
      // A listing without a price before the run (unread, or 0: never priced) cannot be set back to that: it keeps
      // its price, and the rollback says so for each rather than sending a price the shop refuses.
      const restorable = applied.filter((e) => {
        if (e.before !== null && e.before !== undefined && e.before > 0) return true;
        failures.push(`${e.sku} ${e.channel}: had no price before run ${latest.id} (${e.before == null ? 'none could be read' : '0'}), so it keeps ${minorToDecimal(e.after, e.currency, this.deps.markets[e.channel]?.priceDecimals)} ${e.currency}; set it by hand if it must change`);
        return false;
      });
      try {
        for (const [channel, entries] of groupBy(restorable, (e) => e.channel)) {
          const target = this.targets.get(channel);
          if (!target) {
            failures.push(`${channel}: no configured shop serves it any more`);
            continue;
          }
          const current = await this.read(target, entries.map((e) => e.sku));
          // A shop already at the old price needs no call.
          const changes: PlannedChange[] = entries
            .map((e) => ({ sku: e.sku, channel, country: e.country, currency: e.currency, before: current.get(e.sku)?.amount ?? null, after: e.before!, reason: `Rollback of pricing run ${latest.id}` }))
            .filter((c) => c.before !== c.after);
          report.unchanged += entries.length - changes.length;
          await this.apply(report, target, changes, opts.dryRun, failures);
        }
        this.finish(report, failures);
      } catch (err) {
        report.status = 'FAILED';
        report.errorSummary = (err as Error).message;
      }
      await this.saveRun(report);
      if (!opts.dryRun && (report.status === 'SUCCESS' || report.status === 'PARTIAL')) {
        await em.nativeUpdate(PricingRun, { id: latest.id }, { status: 'ROLLED_BACK', rolledBackBy: report.runId });
        // What the undone run held is moot now.
        await em.nativeUpdate(PriceChange, { runId: latest.id, status: 'HELD' }, { status: 'SUPERSEDED' });
        await this.deps.auditTrail.audit({ actor: opts.actor, action: 'pricing.rollback', subject: `pricing-run:${latest.id}`, detail: { rollbackRun: report.runId, changes: report.changes, failed: report.failed } });
      }
      return report;
    });
  }

  /**
   * The price new listings in a channel start at: the engine's price for its market, at the market's precision,
   * inside the guardrails' floor and ceiling; a string says why there is none.
   */
  async quote(skus: string[], channel: string): Promise<Map<string, Money | string>> {
    const market = this.deps.markets[channel];
    const source = this.deps.source;
    const none = !market ? `${channel} is not in config markets` : !source ? 'no pricing engine is configured' : `the pricing engine has no price for ${channel}`;
    const out = new Map<string, Money | string>(skus.map((sku) => [sku, none]));
    if (!market || !source) return out;
    for (let i = 0; i < skus.length; i += source.maxSkusPerCall) {
      for (const c of await source.calculate(skus.slice(i, i + source.maxSkusPerCall), [market.country])) {
        if (c.country !== market.country || !out.has(c.sku)) continue;
        if (c.currency !== market.currency) {
          out.set(c.sku, `the pricing engine prices ${channel} in ${c.currency}; the market sells in ${market.currency}`);
          continue;
        }
        const amount = decimalToMinor(c.price, market.currency, { decimals: market.priceDecimals, rounding: this.deps.settings.rounding });
        const held = this.guardrails.heldReason({ sku: c.sku, channel, currency: market.currency, before: null, after: amount });
        out.set(c.sku, held ? `the engine's price is ${held}` : { amount, currency: market.currency });
      }
    }
    return out;
  }

  /** The prices Tsunagi set, per SKU. */
  async prices(skus: string[]): Promise<Map<string, PriceView[]>> {
    if (skus.length === 0) return new Map();
    const rows = await this.deps.db.em().find(PriceRow, { sku: { $in: [...new Set(skus)] } }, { orderBy: { sku: 'asc', channel: 'asc' } });
    const order = Object.keys(this.deps.markets);
    rows.sort((a, b) => a.sku.localeCompare(b.sku) || order.indexOf(a.channel) - order.indexOf(b.channel));
    return groupBy(rows.map((r) => ({ sku: r.sku, channel: r.channel, country: r.country, amount: r.amount, currency: r.currency, updatedAt: r.updatedAt })), (r) => r.sku);
  }

  /** The prices a SKU had: applied changes, newest first, `first` at a time after the `after` cursor. */
  async history(opts: { sku: string; country?: string | null; from?: Date | null; to?: Date | null; first: number; after?: string | null }) {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > MAX_PAGE) throw new InvalidInputError('first', `first must be a whole number from 1 to ${MAX_PAGE}; got ${opts.first}`);
    if (opts.after != null && !/^[1-9]\d{0,15}$/.test(opts.after)) throw new InvalidInputError('after', 'after must be a cursor from pageInfo.endCursor');
    if (opts.from && opts.to && opts.from > opts.to) throw new InvalidInputError('from', 'from is later than to');
    const where: Record<string, unknown> = { sku: opts.sku, status: 'APPLIED' };
    if (opts.country) where.country = opts.country;
    if (opts.from || opts.to) where.at = { ...(opts.from ? { $gte: opts.from } : {}), ...(opts.to ? { $lte: opts.to } : {}) };
    if (opts.after) where.id = { $lt: Number(opts.after) };
    const rows = await this.deps.db.em().find(PriceChange, where, { orderBy: { id: 'desc' }, limit: opts.first + 1 });
    const page = rows.slice(0, opts.first).map(view);
    return { rows: page, hasNextPage: rows.length > opts.first, endCursor: page.at(-1) ? String(page.at(-1)!.id) : null };
  }

  /** Changes held for a manager's approval, oldest first. */
  async pendingApprovals(): Promise<PriceChangeView[]> {
    return (await this.deps.db.em().find(PriceChange, { status: 'HELD' }, { orderBy: { id: 'asc' }, limit: 1000 })).map(view);
  }

  async get(id: number): Promise<PriceChangeView> {
    return view(await this.deps.db.em().findOneOrFail(PriceChange, { id }));
  }

  /** One market's prices for a chunk of SKUs: compare with what its shop holds, hold or send what changed. */
  private async priceMarket(channel: string, skus: string[], computed: Map<string, { currency: string; price: string; ruleName: string | null }>, report: PricingReport, dryRun: boolean, failures: string[]) {
    const market = this.deps.markets[channel]!;
    const target = this.targets.get(channel)!;
    const current = await this.read(target, skus);
    const send: PlannedChange[] = [];
    const hold: (PlannedChange & { heldReason: string })[] = [];
    const evaluated: string[] = [];
    for (const sku of skus) {
      const c = computed.get(`${sku}\u0000${market.country}`);
      if (!c) continue;
      const now = current.get(sku);
      if (!now) {
        report.notListed++;
        continue;
      }
      if (c.currency !== market.currency || now.currency !== market.currency) {
        failures.push(`${sku} ${channel}: priced in ${c.currency}, the shop sells in ${now.currency}, the market is configured in ${market.currency}`);
        continue;
      }
      // The market's precision, by the configured rule: 123.45 TWD becomes 123 (Shopee takes whole units there).
      const after = decimalToMinor(c.price, market.currency, { decimals: market.priceDecimals, rounding: this.deps.settings.rounding });
      evaluated.push(sku);
      if (after === now.amount) {
        report.unchanged++;
        continue;
      }
      const change = { sku, channel, country: market.country, currency: market.currency, before: now.amount, after, reason: c.ruleName ? `Dynamic pricing rule: ${c.ruleName}` : 'Pricing engine' };
      const heldReason = this.guardrails.heldReason(change);
      if (heldReason) hold.push({ ...change, heldReason });
      else send.push(change);
    }
    if (!dryRun && evaluated.length > 0) {
      // A newer price for the same SKU and market replaces what an earlier run held.
      await this.deps.db.em().nativeUpdate(PriceChange, { status: 'HELD', channel, sku: { $in: evaluated } }, { status: 'SUPERSEDED' });
    }
    report.held += hold.length;
    const ids = dryRun ? hold.map(() => 0) : await holdChanges(this.deps.db, report.runId, hold);
    list(report, hold.map((h, i) => this.planned(report.runId, h, 'HELD', h.heldReason, ids[i])));
    await this.apply(report, target, send, dryRun, failures);
  }

  /** Sends (or, in a dry run, lists) changes to one shop; failures are named. */
  private async apply(report: PricingReport, target: PriceTarget, changes: PlannedChange[], dryRun: boolean, failures: string[]): Promise<void> {
    report.changes += changes.length;
    if (dryRun) {
      list(report, changes.map((c) => this.planned(report.runId, c, 'PENDING', null)));
      return;
    }
    const sent: SentChange[] = await sendChanges(this.deps.db, report.runId, target, changes);
    for (const s of sent) {
      if (s.ok) report.applied++;
      else failures.push(`${s.sku} ${s.channel}: ${s.error}`);
      list(report, [this.planned(report.runId, s, s.ok ? 'APPLIED' : 'FAILED', null, s.id, s.error)]);
    }
  }

  private planned(runId: number, c: PlannedChange, status: PriceChangeStatus, heldReason: string | null, id = 0, error: string | null = null): PriceChangeView {
    return { id, runId, ...c, status, heldReason, approvedBy: null, approvedAt: null, error, at: new Date() };
  }

  /** What a shop sells the SKUs at, in reads of its batch size. */
  private async read(target: PriceTarget, skus: string[]) {
    const out = new Map<string, { amount: number; currency: string } | null>();
    for (let i = 0; i < skus.length; i += target.maxBatch) for (const [sku, price] of await target.getPrices(skus.slice(i, i + target.maxBatch))) out.set(sku, price);
    return out;
  }

  private finish(report: PricingReport, failures: string[], applied = report.applied): void {
    report.applied = applied;
    report.failed = failures.length;
    // A dry run applies nothing: what it would send decides whether it would be partial.
    const wouldApply = report.dryRun ? report.changes > 0 : report.applied > 0;
    report.status = failures.length === 0 ? 'SUCCESS' : wouldApply || report.held > 0 ? 'PARTIAL' : 'FAILED';
    report.errorSummary = failures.length ? `${failures.length} failed: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; ...' : ''}` : null;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const holder = newHolder();
    if (!(await tryAcquireLease(this.deps.db, LOCK, holder, LOCK_MS))) {
      throw new PricingConflictError('another pricing run, approval or rollback is in progress; try again when it has finished');
    }
    try {
      return await fn();
    } finally {
      await releaseLease(this.deps.db, LOCK, holder).catch((err) => this.deps.logger.warn({ err }, 'could not release the pricing lock; it expires by itself'));
    }
  }

  private async startRun(kind: PricingRunKind, opts: { dryRun: boolean; trigger: string; actor?: string }, rules: { id: string; name: string }[], rollbackOf?: number): Promise<PricingReport> {
    const em = this.deps.db.em();
    const run = em.create(PricingRun, {
      kind, dryRun: opts.dryRun, status: 'RUNNING', trigger: opts.trigger, actor: opts.actor ?? null, startedAt: new Date(), rules, rollbackOf: rollbackOf ?? null,
    });
    await em.flush();
    return {
      runId: run.id, kind, status: 'RUNNING', dryRun: opts.dryRun, rules, computed: 0, changes: 0, applied: 0, held: 0, failed: 0, unchanged: 0, notListed: 0,
      marketsWithoutShop: this.marketsWithoutShop, changeList: [], errorSummary: null,
    };
  }

  private async saveRun(r: PricingReport): Promise<void> {
    await this.deps.db.em().nativeUpdate(PricingRun, { id: r.runId }, {
      status: r.status as 'SUCCESS', finishedAt: new Date(), computed: r.computed, changes: r.changes, applied: r.applied, failed: r.failed, held: r.held,
      unchanged: r.unchanged, notListed: r.notListed, errorSummary: r.errorSummary,
    });
    this.deps.logger.info({ pricingRun: { ...r, changeList: r.changeList.length } }, `pricing ${r.kind.toLowerCase()} run ${r.runId}${r.dryRun ? ' (dry run)' : ''} ${r.status}`);
  }
}
