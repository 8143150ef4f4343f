// The integration hub: the connectors the registry and the config name, built once; one operation run at a time
// on request (CLI, API, scheduler), its input checked by the operation's schema and its outcome written to the
// integration log either way.
import { InvalidInputError } from '../errors.js';
import type { CallOutcome } from '../http/index.js';
import type { Logger } from '../log/index.js';
import {
  connectorIdOf, type ConnectorDeps, type ConnectorMetrics, type DomainInterface, type ConnectorDescriptor, type ConnectorHealth, type IntegrationRegistry, type OperationServices, type SystemConfig,
} from './index.js';
import type { IntegrationsConfig } from '../config/index.js';

/** The integration log's `method` for an operation run (per-call rows carry the HTTP method). */
export const RUN_METHOD = 'RUN';
export const DRY_RUN_METHOD = 'DRY-RUN';

export interface SystemView {
  name: string;
  connector: string;
  type: string;
  authType: string;
  implements: string[];
  operations: { name: string; description: string; changes: boolean; schedule: string | null }[];
}

export interface OperationResult {
  system: string;
  operation: string;
  dryRun: boolean;
  ok: boolean;
  durationMs: number;
  output?: unknown;
  error?: string;
}

export interface LastRun {
  at: Date;
  operation: string;
  ok: boolean;
  dryRun: boolean;
  error: string | null;
}

/** A system as `tsunagi integrations list` and the API show it: its health says when its credential runs out. */
export interface SystemStatus extends SystemView {
  health: ConnectorHealth;
  lastRun: LastRun | null;
}

export interface ScheduledOperation {
  system: string;
  operation: string;
  schedule: string;
}

interface Built {
  block: SystemConfig;
  descriptor: ConnectorDescriptor;
  connector: unknown;
}

export interface IntegrationHubOptions {
  registry: IntegrationRegistry;
  integrations: IntegrationsConfig;
  deps: ConnectorDeps;
  /** Where operation outcomes go (the integration log). */
  record: (outcome: CallOutcome) => void;
  /** Each system's last operation run, read back from the integration log. */
  lastRuns: (systems: string[]) => Promise<Map<string, LastRun>>;
  logger: Logger;
}

export class IntegrationHub {
  private readonly built = new Map<string, Built>();
  private services: OperationServices | undefined;

  constructor(private readonly opts: IntegrationHubOptions) {
    for (const [name, block] of Object.entries(opts.integrations)) {
      const descriptor = opts.registry.get(connectorIdOf(block))!;
      this.built.set(name, { block, descriptor, connector: descriptor.create(block, opts.deps) });
    }
  }

  /** The domain services operations use; set once they exist (they are built from this hub's connectors). */
  bind(services: OperationServices): void {
    this.services = services;
  }

  /** The built connector of a system, checked to implement what the caller needs. */
  connector<T>(name: string, needs?: DomainInterface): T {
    const b = this.built.get(name);
    if (!b) throw new Error(`integrations: no system "${name}" is configured (config/integrations.yaml)`);
    if (needs && !b.descriptor.implements.includes(needs)) throw new Error(`integrations: ${name} (${b.descriptor.id}) does not implement ${needs}`);
    return b.connector as T;
  }

  /**
   * Every stock channel with the system serving it, in config order: a StockTarget system is its own channel
   * unless its descriptor lists channels (several shops behind one connector).
   */
  channels(): { channel: string; system: string }[] {
    return [...this.built]
      .filter(([, b]) => b.descriptor.implements.includes('StockTarget'))
      .flatMap(([system, b]) => (b.descriptor.channels ? b.descriptor.channels(b.block) : [system]).map((channel) => ({ channel, system })));
  }

  /** The StockTarget serving `channel` (see channels()). */
  stockTarget<T>(channel: string): T {
    const owner = this.channels().find((c) => c.channel === channel);
    if (!owner) {
      throw new Error(`integrations: no configured system serves the channel "${channel}" (channels: ${this.channels().map((c) => c.channel).join(', ') || 'none'})`);
    }
    const b = this.built.get(owner.system)!;
    if (!b.descriptor.channels) return b.connector as T;
    if (!b.descriptor.stockTarget) throw new Error(`integrations: ${b.descriptor.id} lists channels but has no stockTarget()`);
    return b.descriptor.stockTarget(b.connector, channel) as T;
  }

  /** Names of the systems whose connector implements `iface`, in config order. */
  implementing(iface: DomainInterface): string[] {
    return [...this.built].filter(([, b]) => b.descriptor.implements.includes(iface)).map(([n]) => n);
  }

  systems(): SystemView[] {
    return [...this.built].map(([name, { block, descriptor }]) => ({
      name,
      connector: descriptor.id,
      type: block.type,
      authType: block.auth.type,
      implements: descriptor.implements,
      operations: Object.entries(descriptor.operations).map(([op, d]) => ({
        name: op, description: d.description, changes: d.changes, schedule: block.sync_schedule[op] ?? null,
      })),
    }));
  }

  /** Every system with its health (credential expiry) and its last operation run. */
  async list(): Promise<SystemStatus[]> {
    const systems = this.systems();
    const [health, last] = await Promise.all([Promise.all(systems.map((s) => this.health(s.name))), this.opts.lastRuns(systems.map((s) => s.name))]);
    return systems.map((s, i) => ({ ...s, health: health[i]!, lastRun: last.get(s.name) ?? null }));
  }

  /** Every sync_schedule entry: the job worker schedules each as its own job. */
  schedules(): ScheduledOperation[] {
    return [...this.built].flatMap(([system, { block }]) => Object.entries(block.sync_schedule).map(([operation, schedule]) => ({ system, operation, schedule })));
  }

  async health(name: string): Promise<ConnectorHealth> {
    const b = this.built.get(name);
    if (!b) throw new InvalidInputError('system', `no system "${name}" is configured`);
    return b.descriptor.health(b.connector).catch((err: Error) => ({ name, ok: false, detail: err.message, expiresInDays: null }));
  }

  /** Every connector's own metrics, on the gateway's /metrics. */
  registerMetrics(metrics: ConnectorMetrics): void {
    for (const b of this.built.values()) b.descriptor.metrics?.(b.connector, metrics);
  }

  healthChecks(): { health(): Promise<ConnectorHealth> }[] {
    return [...this.built].filter(([, b]) => b.descriptor.implements.includes('HealthCheck')).map(([name]) => ({ health: () => this.health(name) }));
  }

  /**
   * Checks the system, the operation and the input (nothing runs when any is wrong), then runs it. The outcome
   * is recorded whether it succeeded or failed; a failure rejects with the operation's error.
   */
  async run(req: {
    system: string; operation: string; input?: unknown; dryRun: boolean; trigger: string; actor?: string;
    /** Replaces the bound services for this run (the job worker's scheduled stock sync alerts operators). */
    services?: OperationServices;
  }): Promise<OperationResult> {
    const b = this.built.get(req.system);
    if (!b) throw new InvalidInputError('system', `system: no system "${req.system}" is configured (known: ${[...this.built.keys()].join(', ')})`);
    const op = b.descriptor.operations[req.operation];
    if (!op) {
      throw new InvalidInputError('operation', `operation: ${req.system} has no operation "${req.operation}" (known: ${Object.keys(b.descriptor.operations).join(', ')})`);
    }
    const parsed = op.input.safeParse(req.input ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${['input', ...i.path].join('.')}: ${i.message}`).join('; ');
      throw new InvalidInputError('input', `${req.system} ${req.operation}: ${detail}`);
    }
    // A caller's services replace the bound ones they name (the scheduler's stock sync); the others stay.
    const services = req.services ? ({ ...this.services, ...req.services } as OperationServices) : this.services;
    if (!services) throw new Error('integrations: the hub is not bound to its services yet');
    const started = performance.now();
    const at = new Date();
    const outcome = (ok: boolean, error?: string): OperationResult => ({
      system: req.system, operation: req.operation, dryRun: req.dryRun, ok, durationMs: Math.round(performance.now() - started), ...(error ? { error } : {}),
    });
    const record = (r: OperationResult) =>
      this.opts.record({
        system: req.system, operation: req.operation, method: req.dryRun ? DRY_RUN_METHOD : RUN_METHOD, url: `${req.trigger}${req.actor ? ` by ${req.actor}` : ''}`,
        status: null, ok: r.ok, attempts: 1, durationMs: r.durationMs, error: r.error, at,
      });
    try {
      const answered = op.output.safeParse(await op.run(b.connector, { system: req.system, input: parsed.data, dryRun: req.dryRun, trigger: req.trigger, actor: req.actor, services }));
      if (!answered.success) {
        const detail = answered.error.issues.map((i) => `${['output', ...i.path].join('.')}: ${i.message}`).join('; ');
        throw new Error(`${req.system} ${req.operation} answered outside its output schema: ${detail}`);
      }
      const result = { ...outcome(true), output: answered.data };
      record(result);
      return result;
    } catch (err) {
      record(outcome(false, (err as Error).message));
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.built.values()].map((b) => b.descriptor.close?.(b.connector).catch((err) => this.opts.logger.warn({ err }, `error while closing ${b.block.name}`))),
    );
  }
}
