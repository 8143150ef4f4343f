// The dashboard's only way to the hub: the public GraphQL API over HTTP (queries, mutations) and graphql-ws
// (subscriptions), with the signed-in user's bearer token. A refused token ends the session (onSessionEnd).
import { createClient, type Client } from 'graphql-ws';

export interface PageConfig {
  sandbox: boolean;
  timezone: string;
  /** Sandbox mode only: the hub's operator token, offered on the sign-in page. */
  sandboxToken: string | null;
  graphiql: boolean;
}

export async function loadPageConfig(): Promise<PageConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
  return (await res.json()) as PageConfig;
}

export interface Claims {
  sub: string;
  role: 'operator' | 'manager' | 'admin' | 'partner';
  /** Seconds since the epoch. */
  exp?: number;
}

/** The token's claims as the page needs them (the server checks the signature; this only reads). */
export function readClaims(token: string): Claims | null {
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part)) as Partial<Claims>;
    return typeof claims.sub === 'string' && typeof claims.role === 'string' ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** The token was refused (expired, revoked, wrong key): the session is over. */
export class SessionEndedError extends ApiError {}

export class Api {
  private ws?: Client;

  constructor(private readonly token: string, private readonly onSessionEnd: (reason: string) => void) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new ApiError(`the hub cannot be reached (${(err as Error).message})`, 'NETWORK');
    }
    const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    const first = body.errors?.[0];
    if (res.status === 401) {
      const reason = first?.message ?? 'the token was refused';
      this.onSessionEnd(reason);
      throw new SessionEndedError(reason, 'UNAUTHENTICATED');
    }
    if (first) throw new ApiError(first.message, first.extensions?.code);
    if (!res.ok || !body.data) throw new ApiError(`the hub answered HTTP ${res.status}`, String(res.status));
    return body.data;
  }

  /** Subscribes; returns the function that ends the subscription. */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: { next(data: T): void; error?(err: ApiError): void; complete?(): void }): () => void {
    this.ws ??= createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${this.token}` },
      lazy: true,
      retryAttempts: 5,
      // 4401: the token was refused or has expired; retrying with it cannot help.
      shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && (event as CloseEvent).code === 4401),
      on: {
        closed: (event) => {
          const close = event as CloseEvent | undefined;
          if (close?.code === 4401) this.onSessionEnd(close.reason || 'the token was refused');
        },
      },
    });
    return this.ws.subscribe<T>({ query, variables }, {
      next: (result) => {
        if (result.errors?.length) sink.error?.(new ApiError(result.errors[0]!.message, String(result.errors[0]!.extensions?.code ?? '')));
        else if (result.data) sink.next(result.data as T);
      },
      error: (err) => {
        const message = Array.isArray(err) ? err.map((e: { message: string }) => e.message).join('; ') : err instanceof Error ? err.message : 'subscription closed';
        sink.error?.(new ApiError(message));
      },
      complete: () => sink.complete?.(),
    });
  }

  close(): void {
    // dispose() rejects when the socket was refused (4401) while connecting: that is how the session ended.
    Promise.resolve(this.ws?.dispose()).catch(() => undefined);
    this.ws = undefined;
  }
}
