// The inventory module's public API: its job services, built once from narrow dependencies. Callers use the job
// they need: sync (runs and manual stock sets), rollback, history, retention, simulation, rules (policy changes),
// reservations (the oversell guard).
import type { Logger } from 'pino';
import type { AuditPort } from '../../platform/audit.js';
import type { Database } from '../../platform/db/index.js';
import type { EventBus } from '../../platform/events/index.js';
import type { CatalogService } from '../catalog/service.js';
import type { Channel } from './ports.js';
import { AllocationRules } from './rules.js';
import type { LeaseSettings } from './run-lock.js';
import type { StockSources } from './sources.js';
import { HistoryService } from './services/history.js';
import { RetentionService } from './services/retention.js';
import { RollbackService } from './services/rollback.js';
import { RealtimeSync } from './services/realtime.js';
import { ReservationService } from './services/reservations.js';
import { Runs } from './services/runs.js';
import { Sender } from './services/sending.js';
import { SimulationService } from './services/simulation.js';
import { SyncService } from './services/sync.js';

export type { RunView } from './services/history.js';
export type { ItemFailure, RunReport, StockChange, ChannelSummary } from './services/report.js';
export type { RunProgressEvent } from './services/runs.js';
export type { StockChangedEvent } from './services/sending.js';
export type { SimulatedAllocation, SkuPreview } from './services/simulation.js';
export type { SyncOptions } from './services/sync.js';

export interface InventoryDeps {
  db: Database;
  catalog: CatalogService;
  /** The audit trail and the outbound-call log (reporting's, injected). */
  auditTrail: AuditPort;
  events: EventBus;
  /** The stock sources, each with its channels and configured policy. */
  sources: StockSources;
  /** The one-run-at-a-time lease, one per source. */
  lease: LeaseSettings;
  rollbackWindowHours: number;
  logger: Logger;
}

export class InventoryService {
  /** The stock sources, by name and by channel. */
  readonly sources: StockSources;
  /** Policy changes per source: proposals and a manager's approval. */
  readonly rules: AllocationRules;
  /** Run bookkeeping: leases, dead runs declared INTERRUPTED. */
  readonly runs: Runs;
  readonly sync: SyncService;
  readonly rollback: RollbackService;
  readonly history: HistoryService;
  readonly retention: RetentionService;
  readonly simulation: SimulationService;
  /** A source's stream applied as it happens (REALTIME runs). */
  readonly realtime: RealtimeSync;
  /** The oversell guard: what orders hold of a source's stock. */
  readonly reservations: ReservationService;

  constructor(deps: InventoryDeps) {
    const { db, catalog, auditTrail, events, sources, logger } = deps;
    this.sources = sources;
    this.rules = new AllocationRules(db, auditTrail, sources.all);
    const sender = new Sender({ db, events, logger });
    this.runs = new Runs({ db, events, auditTrail, sources, lease: deps.lease, logger }, sender);
    this.reservations = new ReservationService({ db, catalog, sources, rules: this.rules, runs: this.runs, sender, logger });
    this.sync = new SyncService({ db, catalog, auditTrail, sources, rules: this.rules, runs: this.runs, sender, reservations: this.reservations, logger });
    this.rollback = new RollbackService({ db, auditTrail, sources, runs: this.runs, sender, rollbackWindowHours: deps.rollbackWindowHours });
    this.history = new HistoryService({ db, runs: this.runs });
    this.retention = new RetentionService({ db, rollbackWindowHours: deps.rollbackWindowHours });
    this.simulation = new SimulationService({ catalog, sources, rules: this.rules });
    this.realtime = new RealtimeSync({ db, catalog, rules: this.rules, sources, sender, lease: deps.lease, logger });
  }

  /** Every channel of every source. */
  get channels(): Channel[] {
    return this.sources.channels;
  }
}
