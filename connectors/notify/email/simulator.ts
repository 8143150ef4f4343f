// A real SMTP server on loopback (smtp-server) for the sandbox and the tests: STARTTLS with the sandbox's
// certificate, AUTH (PLAIN/LOGIN) only after STARTTLS and required before MAIL FROM, a size limit, and every
// message it accepted kept as received and parsed (headers, text, HTML, attachments with their Content-ID).
// `failNext` makes it answer a reply code of your choice (421/451 temporary, 550 permanent).
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { waitForCount } from '../../sandbox/faults.js';

// A self-signed certificate for localhost and 127.0.0.1, valid until 2126: the sandbox's and the tests' server
// only. Clients trust it by its PEM (settings.email.tls_ca), so STARTTLS is verified, not switched off.
export const SANDBOX_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDKGES5GFt/GE4GZQ
LobKWAiNeX9fF9g/vR78rRAe3zuhRANCAAR9zq88YqimCF9ZtYz9WMIg1MOBZk/O
bR5oi4yZNCa5nQaSsQbvA8h9RohgouGilg5QKe0LS99D+hropuDHvOnz
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIB2TCCAX+gAwIBAgIUEmJLIlNjsoxcUOMH0gGqEhKOnHowCgYIKoZIzj0EAwIw
MzESMBAGA1UEAwwJbG9jYWxob3N0MR0wGwYDVQQKDBRUc3VuYWdpIHNhbmRib3gg
U01UUDAgFw0yNjExMjcxMTI3NTBaGA8yMTI2MTEwMzExMjc1MFowMzESMBAGA1UE
AwwJbG9jYWxob3N0MR0wGwYDVQQKDBRUc3VuYWdpIHNhbmRib3ggU01UUDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABH3OrzxiqKYIX1m1jP1YwiDUw4FmT85tHmiL
jJk0JrmdBpKxBu8DyH1GiGCi4aKWDlAp7QtL30P6Guim4Me86fOjbzBtMB0GA1Ud
DgQWBBSN6HDe1JGNpXMwaRCe2Hjm8r4jqDAfBgNVHSMEGDAWgBSN6HDe1JGNpXMw
aRCe2Hjm8r4jqDAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA/ey3OHMDUr7FgGvDHqGlf69eWTYT
SNbQ1nT29ejSe9cCIHenQanNunGss3YncoFvpbpAy5bhUtMX7slG0gtsrkdI
-----END CERTIFICATE-----
`,
};

export const SMTP_SANDBOX = { user: 'tsunagi', password: 'sandbox-smtp-password', from: 'tsunagi@sandbox.invalid', to: 'operators@sandbox.invalid' } as const;

/** Largest message accepted (552 over it). */
export const SMTP_MAX_BYTES = 10 * 1024 * 1024;

export interface MimePart {
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
}

export interface ReceivedAttachment {
  filename: string | null;
  contentType: string;
  cid: string | null;
  content: Buffer;
}

export interface ReceivedMail {
  /** The SMTP envelope. */
  mailFrom: string;
  rcptTo: string[];
  /** Who authenticated, and whether the session was on TLS when the message came. */
  user: string | null;
  secure: boolean;
  headers: Record<string, string>;
  subject: string;
  text: string | null;
  html: string | null;
  attachments: ReceivedAttachment[];
  raw: string;
}

export interface SmtpFault {
  /** The SMTP reply code to answer with (421/451 temporary, 550/552 permanent). */
  code: number;
  message?: string;
  /** At which step: the sender (MAIL FROM) or the message (DATA). */
  at?: 'mail' | 'data';
}

export class SmtpSimulator {
  /** Every message accepted, oldest first. */
  readonly messages: ReceivedMail[] = [];
  private faults: SmtpFault[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  constructor(private readonly onAccepted?: (m: ReceivedMail) => void) {}

  /**
   * Listens on 127.0.0.1 (a port of its own, or the one it had: a server restarted); resolves to the port. Each
   * start is a new server: a closed one still cuts, a second later, the sessions it finds open.
   */
  async listen(port = 0): Promise<number> {
    // Loaded when a server starts: every CLI command builds the connectors, few start this server.
    const { SMTPServer } = await import('smtp-server');
    const server = new SMTPServer({
      name: 'localhost',
      key: SANDBOX_TLS.key,
      cert: SANDBOX_TLS.cert,
      size: SMTP_MAX_BYTES,
      // A session still open when the server closes is cut after a second, not the default 30.
      closeTimeout: 1000,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (auth.username === SMTP_SANDBOX.user && auth.password === SMTP_SANDBOX.password) return cb(null, { user: auth.username });
        cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
      onMailFrom: (_address, _session, cb) => cb(this.takeFault('mail')),
      onData: (stream, session, cb) => void this.receive(stream, session).then((err) => cb(err), (err: Error) => cb(err)),
    });
    // A client that drops its connection mid-session is no concern of the server's owner.
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this.port;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** The next `times` sessions are answered with this reply code at the given step. */
  failNext(fault: SmtpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults = [];
  }

  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]> {
    return waitForCount(this.messages, count, 'smtp simulator messages', timeoutMs);
  }

  private takeFault(at: 'mail' | 'data'): Error | null {
    const i = this.faults.findIndex((f) => (f.at ?? 'mail') === at);
    if (i < 0) return null;
    const [f] = this.faults.splice(i, 1);
    return Object.assign(new Error(f!.message ?? (f!.code < 500 ? 'Try again later' : 'Requested action not taken')), { responseCode: f!.code });
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Error | null> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) return Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 });
    const fault = this.takeFault('data');
    if (fault) return fault;
    const raw = Buffer.concat(chunks).toString('utf8');
    const mail = parseMail(raw);
    const received: ReceivedMail = {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
      user: typeof session.user === 'string' ? session.user : null,
      secure: session.secure,
      ...mail,
      raw,
    };
    this.messages.push(received);
    this.onAccepted?.(received);
    return null;
  }
}

// ---- MIME, enough to read what nodemailer writes (RFC 2045–2047): multipart, base64, quoted-printable ----

/** Headers of one part, names lower-cased, folded lines joined, encoded words decoded. */
function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return headers;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=); the space between two of them is not text. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qpDecode(text.replace(/_/g, ' ')).toString('utf8'),
    );
}

function qpDecode(text: string): Buffer {
  const bytes: number[] = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

const param = (header: string | undefined, name: string) => header?.match(new RegExp(`${name}="?([^";]+)"?`, 'i'))?.[1] ?? null;

/** The leaf parts of a message, depth first. */
export function mimeParts(raw: string): MimePart[] {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(split < 0 ? raw : raw.slice(0, split));
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const contentType = (headers['content-type'] ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  const boundary = param(headers['content-type'], 'boundary');
  if (contentType.startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    return sections.filter((s) => !s.startsWith('--')).flatMap((s) => mimeParts(s.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : encoding === 'quoted-printable' ? qpDecode(body) : Buffer.from(body, 'utf8');
  return [{ headers, contentType, body: decoded }];
}

export function parseMail(raw: string): Omit<ReceivedMail, 'mailFrom' | 'rcptTo' | 'user' | 'secure' | 'raw'> {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  let text: string | null = null;
  let html: string | null = null;
  const attachments: ReceivedAttachment[] = [];
  // Text arrives with SMTP's CRLF line ends; readers get \n, as a mail client shows it.
  const asText = (b: Buffer) => b.toString('utf8').replace(/\r\n/g, '\n');
  for (const part of mimeParts(raw)) {
    const disposition = part.headers['content-disposition'];
    if (!disposition && part.contentType === 'text/plain' && text === null) text = asText(part.body);
    else if (!disposition && part.contentType === 'text/html' && html === null) html = asText(part.body);
    else {
      attachments.push({
        filename: param(disposition, 'filename') ?? param(part.headers['content-type'], 'name'),
        contentType: part.contentType,
        cid: part.headers['content-id']?.replace(/^<|>$/g, '') ?? null,
        content: part.body,
      });
    }
  }
  return { headers, subject: headers.subject ?? '', text, html, attachments };
}
