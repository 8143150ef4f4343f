// An OAuth 2.0 token endpoint whose refresh tokens are single-use and rotate on every grant (as some
// marketplaces' are), over real HTTP, for the token manager's tests: a refresh token sent twice is refused with
// invalid_grant, so a test sees at the server whether two refreshes ever spent the same token. GET /resource checks a Bearer
// access token, and `revoke` makes one fail mid-life.
import { SimulatorServer, type SimRequest, type SimResponse } from '../../connectors/sandbox/server.js';

export class RotatingOAuthServer {
  private readonly server: SimulatorServer;
  /** The one refresh token that works now. */
  current: string;
  private readonly access = new Set<string>();
  private n = 0;
  /** Successful grants, and every refresh token each one consumed, in order. */
  readonly consumed: string[] = [];
  /** Grants refused because the refresh token was already spent or unknown. */
  refused = 0;

  constructor(
    initialRefreshToken: string,
    /** How long a grant takes, so that concurrent refreshes overlap at the server. */
    private readonly grantDelayMs = 50,
  ) {
    this.current = initialRefreshToken;
    this.server = new SimulatorServer('rotating-oauth', (req) => this.handle(req));
  }

  get grants(): number {
    return this.consumed.length;
  }

  listen(): Promise<string> {
    return this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  revoke(accessToken: string): void {
    this.access.delete(accessToken);
  }

  private async handle(req: SimRequest): Promise<SimResponse> {
    if (req.method === 'GET' && req.path === '/resource') {
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      return token && this.access.has(token) ? { status: 200, body: { ok: true } } : { status: 401, body: { error: 'invalid_token' } };
    }
    if (req.method !== 'POST' || req.path !== '/token') return { status: 404, body: { error: 'not_found' } };
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'refresh_token') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const sent = form.get('refresh_token');
    // Checked and spent before the delay, as a real server commits the rotation before answering.
    if (sent !== this.current) {
      this.refused++;
      return { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token already used or unknown' } };
    }
    const n = ++this.n;
    this.current = `rt-${n}`;
    this.consumed.push(sent);
    const accessToken = `at-${n}`;
    this.access.add(accessToken);
    await new Promise((resolve) => setTimeout(resolve, this.grantDelayMs));
    return { status: 200, body: { access_token: accessToken, refresh_token: this.current, expires_in: 14_400, refresh_token_expires_in: 30 * 86_400 } };
  }
}
