// Correlation ids: one id that follows a unit of work (a CLI command, a job, a run, a webhook delivery, a GraphQL
// request) through every log line and external call it makes. AsyncLocalStorage carries it; the logger writes it
// on every line (with the run's id once the work has started a run), and the HTTP client sends it on every call.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The header the HTTP client sends it in, and the gateway takes from a caller. */
export const CORRELATION_HEADER = 'x-correlation-id';

export interface Correlation {
  id: string;
  /** The stock run this work started, once it has. */
  runId?: number;
}

const storage = new AsyncLocalStorage<Correlation>();
/** A caller's id is taken only when it is short and plain: it lands in every log line. */
const VALID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Runs `fn` under the current id; with none (or a caller's valid `id`), under a new one. */
export function correlated<T>(fn: () => T, id?: string): T {
  const current = storage.getStore();
  if (current && !id) return fn();
  return storage.run({ id: id && VALID.test(id) ? id : randomUUID() }, fn);
}

export function currentCorrelation(): Correlation | undefined {
  return storage.getStore();
}

/** Records the run the current work started: its lines carry the run's id from here on. */
export function attachRun(runId: number): void {
  const c = storage.getStore();
  if (c) c.runId = runId;
}

/** The fields every log line gets (pino's mixin): the line's own fields win. */
export function correlationFields(): Record<string, string | number> {
  const c = storage.getStore();
  if (!c) return {};
  return c.runId === undefined ? { correlationId: c.id } : { correlationId: c.id, runId: c.runId };
}
