// One token manager for every OAuth-like scheme a connector declares (rotating or reusable refresh tokens): the
// connector supplies only its grant call and says where its refresh token lives and whether it is single-use;
// the manager caches access tokens, lets one refresh run at a time however many callers ask, and, for
// single-use refresh tokens, refreshes under a cross-process lock: re-read the stored refresh token, grant,
// store the new refresh token, and only then hand out the new access token — so a crash or a second process
// can never consume a refresh token whose successor was not kept.
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import type { CredentialStore } from './credentials.js';

/** What a grant returns. */
export interface GrantedToken {
  accessToken: string;
  /** Access token lifetime in seconds. */
  expiresIn: number;
  /** The refresh token that replaces the one sent (rotating schemes); absent when the old one stays valid. */
  refreshToken?: string;
  /** Lifetime of the new refresh token in seconds, when the provider says. */
  refreshTokenExpiresIn?: number;
}

export interface TokenScheme {
  /** The system's id, e.g. the connector's name. */
  name: string;
  /** The connector's grant call: trades the refresh token (null when none is known) for an access token. */
  grant(refreshToken: string | null): Promise<GrantedToken>;
  refreshToken?: {
    /** Its name in the encrypted credential store (read first; new refresh tokens are written there). */
    credential?: string;
    /** Used when the store holds none (e.g. a token given in config). */
    fallback?: string;
    /** Each refresh token works once: refreshes are serialised across processes and the successor stored first. */
    singleUse?: boolean;
    /** Lifetime of a refresh token the grant returns without one, in days. */
    lifetimeDays?: number;
  };
  /** Other credentials with a declared end (a client secret that must be rotated, a licence key). */
  credentialExpiries?: { what: string; expiresAt: Date | null }[];
}

export interface TokenExpiry {
  /** The cached access token's expiry; null when none is cached. */
  accessTokenExpiresAt: Date | null;
  /** The refresh token known to the manager: whether there is one, and when it stops working (null: unknown). */
  refreshToken: { present: boolean; expiresAt: Date | null } | null;
  credentials: { what: string; expiresAt: Date | null }[];
}

/** Runs `fn` while holding a lock named `name` that other processes respect. */
export type CrossProcessLock = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface TokenManagerOptions {
  credentials?: CredentialStore;
  /** Required for single-use refresh tokens when more than one process may refresh (platform/db/lease.ts). */
  lock?: CrossProcessLock;
  logger?: Logger;
}

interface Cached {
  value: string;
  expiresAt: number;
  /** When to stop handing it out: shortly before it expires, so a token never expires in flight. */
  renewAt: number;
}

const DAY_MS = 86_400_000;

export class TokenManager {
  private readonly schemes = new Map<string, TokenScheme>();
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly logger: Logger;

  constructor(private readonly opts: TokenManagerOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Declares a scheme; registering a name again replaces it and forgets its cached token. */
  register(scheme: TokenScheme): void {
    const rt = scheme.refreshToken;
    if (rt?.credential && !this.opts.credentials) {
      throw new Error(`token manager: ${scheme.name} keeps its refresh token in the credential store, but none was given`);
    }
    if (rt?.singleUse && !rt.credential) {
      throw new Error(`token manager: ${scheme.name} has single-use refresh tokens but names no credential to store their successors in`);
    }
    this.schemes.set(scheme.name, scheme);
    this.cache.delete(scheme.name);
  }

  /** A valid access token: the cached one, or a new one from a refresh shared with every concurrent caller. */
  async accessToken(name: string): Promise<string> {
    this.scheme(name);
    const cached = this.cache.get(name);
    if (cached && Date.now() < cached.renewAt) return cached.value;
    return this.refresh(name);
  }

  /** Forces a refresh (health checks prove the credentials work today); joins one already running. */
  refresh(name: string): Promise<string> {
    const scheme = this.scheme(name);
    let running = this.inflight.get(name);
    if (!running) {
      running = this.runRefresh(scheme).finally(() => this.inflight.delete(name));
      this.inflight.set(name, running);
    }
    return running;
  }

  /**
   * The API refused `token` (HTTP 401): forget it so the next accessToken() refreshes. A token already replaced
   * by another caller's refresh is left alone, so one refusal seen by many callers costs one refresh.
   */
  invalidate(name: string, token: string): void {
    this.scheme(name);
    if (this.cache.get(name)?.value === token) this.cache.delete(name);
  }

  /** Every expiry the manager knows for `name`, for health and `integrations list`. */
  async expiry(name: string): Promise<TokenExpiry> {
    const scheme = this.scheme(name);
    const cached = this.cache.get(name);
    let refreshToken: TokenExpiry['refreshToken'] = null;
    if (scheme.refreshToken) {
      const stored = scheme.refreshToken.credential ? await this.opts.credentials!.get(scheme.refreshToken.credential) : null;
      refreshToken = stored
        ? { present: true, expiresAt: stored.expiresAt }
        : { present: Boolean(scheme.refreshToken.fallback), expiresAt: null };
    }
    return {
      accessTokenExpiresAt: cached ? new Date(cached.expiresAt) : null,
      refreshToken,
      credentials: scheme.credentialExpiries ?? [],
    };
  }

  private scheme(name: string): TokenScheme {
    const scheme = this.schemes.get(name);
    if (!scheme) throw new Error(`token manager: no auth scheme registered for "${name}"`);
    return scheme;
  }

  private async runRefresh(scheme: TokenScheme): Promise<string> {
    if (!scheme.refreshToken?.singleUse) return this.grantAndStore(scheme);
    if (!this.opts.lock) {
      // Still safe within this process; two processes could then spend the same refresh token.
      this.logger.warn({ system: scheme.name }, 'single-use refresh token refreshed without a cross-process lock');
      return this.grantAndStore(scheme);
    }
    return this.opts.lock(`token:${scheme.name}`, () => this.grantAndStore(scheme));
  }

  private async grantAndStore(scheme: TokenScheme): Promise<string> {
    const rt = scheme.refreshToken;
    // Read inside the lock: another process may have replaced it since this one last looked.
    const stored = rt?.credential ? await this.opts.credentials!.get(rt.credential) : null;
    const current = stored?.value ?? rt?.fallback ?? null;
    const granted = await scheme.grant(current);
    if (!granted.accessToken || !(granted.expiresIn > 0)) {
      throw new Error(`${scheme.name}: token grant returned no access token or no positive lifetime`);
    }
    if (rt?.singleUse && !granted.refreshToken) {
      throw new Error(`${scheme.name}: the token grant spent the single-use refresh token but returned no new one; authorise again`);
    }
    if (granted.refreshToken && rt?.credential && granted.refreshToken !== current) {
      const lifetimeMs = granted.refreshTokenExpiresIn ? granted.refreshTokenExpiresIn * 1000 : rt.lifetimeDays ? rt.lifetimeDays * DAY_MS : null;
      try {
        await this.opts.credentials!.put(rt.credential, granted.refreshToken, lifetimeMs === null ? null : new Date(Date.now() + lifetimeMs));
      } catch (err) {
        // Not stored means not usable: handing out the access token would let the successor be lost unnoticed.
        this.logger.error({ system: scheme.name, err }, 'new refresh token could not be stored');
        throw new Error(`${scheme.name}: the new refresh token could not be stored (${(err as Error).message}); the access token is not used`);
      }
    }
    const lifetimeMs = granted.expiresIn * 1000;
    const now = Date.now();
    // Renew a minute early (a tenth of the lifetime for short-lived tokens).
    this.cache.set(scheme.name, { value: granted.accessToken, expiresAt: now + lifetimeMs, renewAt: now + lifetimeMs - Math.min(60_000, lifetimeMs / 10) });
    this.logger.debug({ system: scheme.name, expiresInSeconds: granted.expiresIn }, 'access token granted');
    return granted.accessToken;
  }
}
