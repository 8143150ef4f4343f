// The one outbound HTTP client: timeouts, retry with backoff and Retry-After, token-bucket rate limits,
// a circuit breaker, and an outcome record for every call (the integration log).
import type { Logger } from 'pino';
import { silentLogger } from '../log/index.js';
import { CORRELATION_HEADER, currentCorrelation } from '../log/correlation.js';
import { backoffDelayMs } from './retry.js';
import { TokenBucket } from './token-bucket.js';
import { exchange, ResponseTooLargeError, type ResponseHeaders } from './transport.js';
import { UpstreamError } from '../errors.js';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface HttpPolicy {
  timeoutMs: number;
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_POLICY: HttpPolicy = { timeoutMs: 15000, retries: 4, backoffBaseMs: 500, backoffMaxMs: 30000 };

export interface CallOutcome {
  system: string;
  operation: string;
  method: string;
  url: string;
  status: number | null;
  ok: boolean;
  attempts: number;
  durationMs: number;
  error?: string;
  at: Date;
}

export class HttpError extends UpstreamError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
    readonly headers: ResponseHeaders,
    upstreamCode?: string,
  ) {
    super(message, upstreamCode);
    this.name = 'HttpError';
  }

  /** The body's own words: `code: message` when it is the common JSON error shape, else its first 200 characters. */
  get detail(): string {
    try {
      const body = JSON.parse(this.body) as { code?: unknown; message?: unknown };
      const words = [body.code, body.message].filter((v) => typeof v === 'string' && v !== '').join(': ');
      if (words) return words;
    } catch {
      // not JSON: the raw body below
    }
    return this.body.slice(0, 200);
  }
}

export class CircuitOpenError extends UpstreamError {
  constructor(system: string, retryInMs: number) {
    super(`${system}: circuit open after repeated failures; next try in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'CircuitOpenError';
  }
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body as text; empty for a `bytes` request. */
  text: string;
  /** The body as bytes, for a `bytes` request (files such as images). */
  bytes?: Buffer;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute URL, or a path joined to the client's baseUrl. */
  url: string;
  /** Query parameters; a function is called again before every attempt (a signature over a fresh timestamp). */
  query?: QueryParams | (() => QueryParams);
  headers?: Record<string, string>;
  /** Objects are sent as JSON; URLSearchParams as form-encoded; strings and bytes as they are (set content-type). */
  body?: unknown;
  /** A short name for the integration log, e.g. "getInventorySummaries". */
  operation: string;
  /** Name of the rate-limit bucket (clients with several per-endpoint limits); default bucket otherwise. */
  bucket?: string;
  /** Statuses that are returned to the caller instead of thrown (e.g. 401 to trigger a token refresh). */
  acceptStatus?: number[];
  /** Aborting it abandons the call: the attempt in flight is cancelled and no retry follows. */
  signal?: AbortSignal;
  /**
   * For APIs that report failure in the body (an envelope), whatever the HTTP status: judges every response in
   * place of the status check. undefined = success; otherwise the error to throw, retried when `retryable`.
   */
  judge?: (res: HttpResponse) => Verdict | undefined;
  /** Read a successful body as bytes (`HttpResponse.bytes`), refusing one larger than maxBytes without reading on. */
  bytes?: { maxBytes: number };
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** A judged failure: the error the caller gets, and whether another attempt may succeed (busy, overloaded). */
export interface Verdict {
  error: Error;
  retryable: boolean;
}

export { ResponseTooLargeError, type ResponseHeaders };

export interface HttpClientOptions {
  system: string;
  baseUrl?: string;
  policy?: Partial<HttpPolicy>;
  /** Token buckets by name; "default" applies to requests that name none. */
  rateLimits?: Record<string, RateLimit>;
  logger?: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
  /** Consecutive failed calls (after retries) that open the circuit, and how long it stays open. */
  circuit?: { failures: number; openMs: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const isRetryableStatus = (status: number) => status === 429 || status === 408 || status >= 500;

export class HttpClient {
  readonly system: string;
  private readonly policy: HttpPolicy;
  private readonly limiters = new Map<string, TokenBucket>();
  private readonly logger: Logger;
  /** Per rate-limit bucket (a Shopee shop, an SP-API endpoint): one failing shop does not stop the others. */
  private readonly circuits = new Map<string, { failures: number; openUntil: number }>();

  constructor(private readonly opts: HttpClientOptions) {
    this.system = opts.system;
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.logger = opts.logger ?? silentLogger;
    for (const [name, limit] of Object.entries(opts.rateLimits ?? {})) {
      this.limiters.set(name, new TokenBucket(limit.perSecond, limit.burst));
    }
  }

  async request(req: RequestOptions): Promise<HttpResponse> {
    const circuit = this.opts.circuit;
    const openUntil = this.circuits.get(req.bucket ?? 'default')?.openUntil ?? 0;
    if (circuit && Date.now() < openUntil) {
      throw new CircuitOpenError(req.bucket ? `${this.system} (${req.bucket})` : this.system, openUntil - Date.now());
    }
    let url = typeof req.query === 'function' ? this.buildUrl({ ...req, query: undefined }) : this.buildUrl(req);
    const started = Date.now();
    let attempts = 0;
    let lastError: Error | undefined;
    let lastStatus: number | null = null;
    let remoteFailure = false;
    for (;;) {
      req.signal?.throwIfAborted();
      attempts++;
      let waitMs: number | undefined;
      try {
        // A computed query (a signature over a fresh timestamp) is computed for each attempt, after the rate limit's wait.
        const res = await this.once(req, () => (url = typeof req.query === 'function' ? this.buildUrl(req) : url));
        lastStatus = res.status;
        if (req.judge) {
          const verdict = req.judge(res);
          if (!verdict) {
            this.record(req, url, res.status, true, attempts, started);
            return res;
          }
          lastError = verdict.error;
          remoteFailure = verdict.retryable;
          if (!verdict.retryable) break;
        } else {
          if (res.status < 400 || req.acceptStatus?.includes(res.status)) {
            this.record(req, url, res.status, true, attempts, started);
            return res;
          }
          lastError = new HttpError(`${this.system} ${req.operation}: HTTP ${res.status}: ${res.text.slice(0, 500)}`, res.status, res.text, res.headers);
          remoteFailure = isRetryableStatus(res.status);
          if (!remoteFailure) break;
        }
        waitMs = retryAfterMs(res.headers.get('retry-after'));
      } catch (err) {
        lastError = err as Error;
        lastStatus = null;
        // Too large stays too large: the caller's limit, not the remote's failure.
        if (err instanceof ResponseTooLargeError) break;
        remoteFailure = true;
      }
      if (attempts > this.policy.retries || req.signal?.aborted) break;
      const delay = waitMs ?? backoffDelayMs(this.policy, attempts);
      this.logger.debug({ system: this.system, operation: req.operation, attempt: attempts, delayMs: delay, error: lastError.message }, 'retrying');
      await sleep(delay);
    }
    this.record(req, url, lastStatus, false, attempts, started, lastError.message, remoteFailure);
    throw lastError;
  }

  /** Nothing to release today; kept so connectors close their client the same way whatever it holds. */
  async close(): Promise<void> {}

  private buildUrl(req: RequestOptions): URL {
    const url = /^https?:/.test(req.url) ? new URL(req.url) : new URL(req.url.replace(/^\//, ''), this.baseWithSlash());
    const query = typeof req.query === 'function' ? req.query() : req.query;
    if (!query) return url;
    // One serialisation: url.searchParams.set() re-serialises the whole URL on every call.
    const params = new URLSearchParams(url.search);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    url.search = params.toString();
    return url;
  }

  private baseWithSlash(): string {
    if (!this.opts.baseUrl) throw new Error(`${this.system}: relative URL without baseUrl`);
    return this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`;
  }

  /** One attempt: waits for the rate limit, then takes the URL (rebuilt when the query is computed per attempt). */
  private async once(req: RequestOptions, url: () => URL): Promise<HttpResponse> {
    const limiter = this.limiters.get(req.bucket ?? 'default') ?? this.limiters.get('default');
    await limiter?.acquire();
    return this.send(req, url());
  }

  private async send(req: RequestOptions, url: URL): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...req.headers };
    // The remote's logs can be matched with ours.
    const correlation = currentCorrelation();
    if (correlation) headers[CORRELATION_HEADER] ??= correlation.id;
    let body: string | Buffer | undefined;
    if (req.body instanceof URLSearchParams) {
      body = req.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
      body = req.body;
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await exchange(url, {
      method: req.method ?? 'GET', headers, body, timeoutMs: this.policy.timeoutMs, signal: req.signal, maxBytes: req.bytes?.maxBytes,
    });
    if (req.bytes && res.status < 400) {
      return { status: res.status, headers: res.headers, text: '', bytes: res.body, json: () => { throw new Error(`${url.pathname} was read as bytes`); } };
    }
    // As fetch's text(): UTF-8, a leading byte-order mark dropped.
    const text = res.body.toString('utf8').replace(/^\uFEFF/, '');
    return {
      status: res.status,
      headers: res.headers,
      text,
      json<T>() {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new Error(`expected JSON from ${url.pathname}, got: ${text.slice(0, 200)}`);
        }
      },
    };
  }

  private record(req: RequestOptions, url: URL, status: number | null, ok: boolean, attempts: number, started: number, error?: string, remoteFailure = false) {
    const circuit = this.opts.circuit;
    if (circuit) {
      // Client errors are the caller's fault, not the remote system's: they do not trip the breaker.
      const key = req.bucket ?? 'default';
      let state = this.circuits.get(key);
      if (!state) this.circuits.set(key, (state = { failures: 0, openUntil: 0 }));
      state.failures = remoteFailure ? state.failures + 1 : 0;
      if (state.failures >= circuit.failures) state.openUntil = Date.now() + circuit.openMs;
    }
    const outcome: CallOutcome = {
      system: this.system,
      operation: req.operation,
      method: req.method ?? 'GET',
      url: `${url.origin}${url.pathname}`,
      status,
      ok,
      attempts,
      durationMs: Date.now() - started,
      error,
      at: new Date(),
    };
    this.logger.debug({ outcome }, 'external call');
    this.opts.onOutcome?.(outcome);
  }
}
