// YConnect v2 (Yahoo! ID連携) authorization-code flow: the operator authorises Tsunagi once in a browser,
// the loopback redirect brings the code back, and the refresh token (valid 28 days) goes to the encrypted
// credential store. Replaces the operations manual's get_yahoo_token script.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { YahooConfig } from './config.js';
import type { CredentialStore } from '../../platform/auth/credentials.js';
import { HttpClient, type CallOutcome, type HttpPolicy } from '../../platform/http/index.js';
import type { Logger } from '../../platform/log/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { UpstreamError } from '../../platform/errors.js';

export type { YahooConfig } from './config.js';

/** Name of the refresh token in the credential store. */
export const YAHOO_REFRESH_TOKEN_CREDENTIAL = 'yahoo.refreshToken';
/** YConnect refresh tokens stop working four weeks after issue. */
export const REFRESH_TOKEN_LIFETIME_DAYS = 28;
export const DAY_MS = 86_400_000;

const REAUTHORISE = 'Run `tsunagi yahoo-token` to authorise Tsunagi again.';

/** YConnect refused a token request (RFC 6749 error JSON), or the connector lacks what it needs to ask. */
export class YahooAuthError extends UpstreamError {
  constructor(
    message: string,
    /** The OAuth error code (invalid_grant, invalid_client, ...) or "missing_credentials". */
    upstreamCode: string,
  ) {
    super(message, upstreamCode);
    this.name = 'YahooAuthError';
  }
}

export interface TokenSet {
  accessToken: string;
  /** Only the authorization_code grant returns one; a refresh keeps the stored refresh token. */
  refreshToken?: string;
  expiresIn: number;
}

/** The three settings every YConnect call needs; throws naming the ones that are missing. */
export function requireClient(config: YahooConfig, extra: ('sellerId' | 'clientId' | 'clientSecret')[] = []): { clientId: string; clientSecret: string } {
  const needed = ['clientId', 'clientSecret', ...extra] as const;
  const missing = needed.filter((k) => !config[k]);
  if (missing.length > 0) {
    throw new YahooAuthError(`yahoo: ${missing.map((k) => `yahoo.${k}`).join(', ')} not configured (config/integrations.yaml)`, 'missing_credentials');
  }
  return { clientId: config.clientId!, clientSecret: config.clientSecret! };
}

/** The consent page URL the operator opens in a browser. */
export function authorizeUrl(config: YahooConfig, state: string): string {
  const { clientId } = requireClient(config);
  const url = new URL(config.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  url.searchParams.set('scope', 'openid profile');
  url.searchParams.set('state', state);
  return url.toString();
}

export function createAuthHttp(opts: { policy?: Partial<HttpPolicy>; logger?: Logger; onOutcome?: (o: CallOutcome) => void } = {}): HttpClient {
  return new HttpClient({ system: 'yahoo', policy: opts.policy, logger: opts.logger, onOutcome: opts.onOutcome });
}

interface TokenJson {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number | string;
  error?: string;
  error_description?: string;
}

/** POST to the token endpoint with client Basic auth; OAuth errors become YahooAuthError with a next step. */
export async function requestToken(http: HttpClient, config: YahooConfig, form: Record<string, string>, bucket?: string): Promise<TokenSet> {
  const { clientId, clientSecret } = requireClient(config);
  const res = await http.request({
    method: 'POST',
    url: config.tokenUrl,
    operation: `token:${form.grant_type}`,
    bucket,
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, accept: 'application/json' },
    body: new URLSearchParams(form),
    acceptStatus: [400, 401],
  });
  let json: TokenJson = {};
  try {
    json = res.json<TokenJson>();
  } catch (err) {
    // An error page instead of OAuth JSON still gets reported with its status below.
    if (res.status < 400) throw new YahooAuthError(`yahoo: token endpoint answered without JSON: ${(err as Error).message}`, 'invalid_response');
  }
  if (res.status >= 400 || !json.access_token) {
    const code = json.error ?? `http_${res.status}`;
    const detail = json.error_description ? `${code}: ${json.error_description}` : code;
    if (code === 'invalid_grant') {
      const what = form.grant_type === 'refresh_token' ? 'the refresh token (expired after 28 days, or revoked)' : 'the authorization code (expired or already used)';
      throw new YahooAuthError(`yahoo: YConnect rejected ${what} (${detail}). ${REAUTHORISE}`, code);
    }
    if (code === 'invalid_client') {
      throw new YahooAuthError(`yahoo: YConnect rejected the client credentials (${detail}): check yahoo.clientId and yahoo.clientSecret`, code);
    }
    throw new YahooAuthError(`yahoo: token request (${form.grant_type}) failed with HTTP ${res.status} (${detail})`, code);
  }
  const expiresIn = Number(json.expires_in ?? 3600);
  return {
    accessToken: json.access_token,
    refreshToken: json.refresh_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
  };
}

/** Trades an authorization code for tokens (grant_type=authorization_code). */
export async function exchangeCode(
  config: YahooConfig,
  code: string,
  http?: HttpClient,
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const client = http ?? createAuthHttp();
  try {
    const tokens = await requestToken(client, config, { grant_type: 'authorization_code', code, redirect_uri: config.redirectUri });
    if (!tokens.refreshToken) throw new YahooAuthError('yahoo: YConnect returned no refresh_token for the authorization code', 'no_refresh_token');
    return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresIn: tokens.expiresIn };
  } finally {
    if (!http) await client.close();
  }
}

export interface AuthorizationFlowOptions {
  config: YahooConfig;
  credentials: CredentialStore;
  /** Receives the consent URL; the CLI prints it for the operator to open. */
  onUrl: (url: string) => void;
  /** How long to wait for the browser redirect. Default 10 minutes (YConnect codes live 10 minutes). */
  timeoutMs?: number;
  http?: HttpClient;
  logger?: Logger;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Runs the whole flow on the loopback redirect URI: serves the callback, checks state (CSRF), exchanges the
 * code, stores the refresh token with its 28-day expiry, and resolves once the browser has its answer.
 */
export async function runAuthorizationFlow(opts: AuthorizationFlowOptions): Promise<{ expiresAt: Date }> {
  const { config, credentials } = opts;
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  requireClient(config);
  const redirect = new URL(config.redirectUri);
  if (redirect.protocol !== 'http:') {
    throw new YahooAuthError(`yahoo.redirectUri must be an http:// loopback address for the local callback server, got ${config.redirectUri}`, 'invalid_redirect_uri');
  }
  const host = redirect.hostname.replace(/^\[|\]$/g, '');
  const port = Number(redirect.port || 80);
  const state = randomBytes(24).toString('base64url');
  const http = opts.http ?? createAuthHttp({ logger });
  let done = false;
  let exchanging = false;
  let finish!: (err: Error | undefined, value?: { expiresAt: Date }) => void;
  const result = new Promise<{ expiresAt: Date }>((resolve, reject) => {
    finish = (err, value) => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve(value!);
    };
  });
  // Answers the browser first, then settles the flow, so the page is delivered before the server closes.
  const answer = (res: ServerResponse, status: number, title: string, text: string, then?: () => void) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    res.end(page(title, text), then);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', config.redirectUri);
    if (req.method !== 'GET' || url.pathname !== redirect.pathname) {
      answer(res, 404, 'Not found', 'This server only waits for the Yahoo! authorization redirect.');
      return;
    }
    if (done || exchanging) {
      answer(res, 409, 'Already in progress', 'This authorization request has already been answered.');
      return;
    }
    // A request without our state did not come from the consent page we opened: refuse it, keep waiting.
    if (url.searchParams.get('state') !== state) {
      logger.warn('yahoo-token: callback with a missing or wrong state refused');
      answer(res, 400, 'Request refused', 'The state parameter does not match this authorization request.');
      return;
    }
    const error = url.searchParams.get('error');
    if (error) {
      const detail = url.searchParams.get('error_description');
      const message = `yahoo: authorization was not granted (${error}${detail ? `: ${detail}` : ''})`;
      answer(res, 400, 'Authorization not granted', escapeHtml(message), () => finish(new YahooAuthError(message, error)));
      return;
    }
    const code = url.searchParams.get('code');
    if (!code) {
      answer(res, 400, 'Request refused', 'The redirect carries no authorization code.');
      return;
    }
    exchanging = true;
    exchangeCode(config, code, http)
      .then(async (tokens) => {
        const expiresAt = new Date(Date.now() + REFRESH_TOKEN_LIFETIME_DAYS * DAY_MS);
        await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, tokens.refreshToken, expiresAt);
        logger.info({ expiresAt }, 'yahoo-token: refresh token stored');
        return expiresAt;
      })
      .then(
        (expiresAt) => {
          const text = `Tsunagi can now update Yahoo! Shopping stock until ${expiresAt.toISOString()}. You can close this tab.`;
          answer(res, 200, 'Yahoo! authorization complete', text, () => finish(undefined, { expiresAt }));
        },
        (err: Error) => answer(res, 502, 'Authorization failed', escapeHtml(err.message), () => finish(err)),
      );
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`yahoo-token: cannot listen on ${host}:${port} for ${config.redirectUri}: ${err.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    timer = setTimeout(
      () => finish(new YahooAuthError(`yahoo: no authorization reached ${config.redirectUri} within ${Math.round(timeoutMs / 1000)} s. ${REAUTHORISE}`, 'timeout')),
      timeoutMs,
    );
    opts.onUrl(authorizeUrl(config, state));
    return await result;
  } finally {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
    if (!opts.http) await http.close();
  }
}
