// Email over SMTP with nodemailer: STARTTLS (or implicit TLS) and AUTH from config, a text and an HTML part,
// inline images by Content-ID. Retried by the retry policy (retry_config) on what SMTP calls temporary (4xx
// replies, a dropped or refused connection); 5xx replies, refused credentials and a certificate that does not
// verify are final. See ../README.md.
import type { Transporter } from 'nodemailer';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { DEFAULT_POLICY, type CallOutcome, type HttpPolicy } from '../../../platform/http/index.js';
import { backoffDelayMs } from '../../../platform/http/retry.js';
import type { Logger } from '../../../platform/log/index.js';
import { DeliveryError, type DeliveryReceipt, type Notification } from '../../../subgraphs/reporting/ports.js';
import type { NotifyChannel } from '../client.js';

/** starttls: plain connection upgraded before AUTH (port 587), required; tls: implicit TLS (465); none: loopback relays only. */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface EmailChannelOptions {
  system: string;
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** PEM certificate(s) to trust besides the system's (a private relay, the sandbox's server). */
  tlsCa?: string;
  logger: Logger;
  policy?: Partial<HttpPolicy>;
  onOutcome?: (outcome: CallOutcome) => void;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The plain-text part: the text, the fields as "label: value" lines, the footer. */
export function emailText(n: Notification): string {
  const fields = (n.fields ?? []).map(([k, v]) => `${k}: ${v}`);
  return [n.text, fields.length ? fields.join('\n') : '', `-- \n${n.footer ?? 'Tsunagi'}`].filter(Boolean).join('\n\n');
}

/** The HTML part of an alert that brings no document: the same content, inline-styled, in tables (what mail clients render). */
export function emailHtml(n: Notification): string {
  const colour = { critical: '#b00020', warning: '#a15c00', info: '#1f4e79' }[n.severity];
  const rows = (n.fields ?? [])
    .map(([k, v]) => `<tr><td style="padding:4px 12px 4px 0;color:#555;">${escapeHtml(k)}</td><td style="padding:4px 0;">${escapeHtml(v)}</td></tr>`)
    .join('');
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8" /></head><body style="margin:0;padding:16px;font-family:Arial,sans-serif;font-size:14px;color:#222;">',
    `<h2 style="margin:0 0 12px 0;font-size:18px;color:${colour};">${escapeHtml(n.severity.toUpperCase())}: ${escapeHtml(n.title)}</h2>`,
    `<p style="margin:0 0 12px 0;white-space:pre-wrap;">${escapeHtml(n.text)}</p>`,
    rows ? `<table cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 12px 0;">${rows}</table>` : '',
    `<p style="margin:0;color:#888;font-size:12px;">${escapeHtml(n.footer ?? 'Tsunagi')}</p>`,
    '</body></html>',
  ].join('');
}

/** Whether SMTP says trying again later may work: 4xx replies and connection trouble, but not a certificate or TLS refusal. */
function temporary(err: SMTPConnection.SMTPError): boolean {
  if (err.responseCode) return err.responseCode >= 400 && err.responseCode < 500;
  if (err.code === 'ESOCKET' && /certificate|self[- ]signed|TLS|SSL/i.test(err.message)) return false;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'].includes(err.code ?? '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EmailChannel implements NotifyChannel {
  readonly name = 'email';
  readonly description: string;
  private transport: Promise<Transporter<SMTPTransport.SentMessageInfo>> | undefined;
  private readonly policy: HttpPolicy;

  constructor(private readonly opts: EmailChannelOptions) {
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.description = `SMTP ${opts.host}:${opts.port}`;
  }

  /** nodemailer is loaded with the first mail: most processes (CLI commands) build the channel and send nothing. */
  private connect(): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    const opts = this.opts;
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: opts.host,
        port: opts.port,
        secure: opts.security === 'tls',
        requireTLS: opts.security === 'starttls',
        ignoreTLS: opts.security === 'none',
        auth: opts.user ? { user: opts.user, pass: opts.password } : undefined,
        tls: opts.tlsCa ? { ca: opts.tlsCa } : undefined,
        connectionTimeout: this.policy.timeoutMs,
        greetingTimeout: this.policy.timeoutMs,
        socketTimeout: this.policy.timeoutMs,
        logger: false,
      }),
    );
    return this.transport;
  }

  async send(n: Notification): Promise<DeliveryReceipt> {
    const mail = {
      from: this.opts.from,
      to: this.opts.to,
      subject: n.title,
      text: n.document?.text ?? emailText(n),
      html: n.document?.html ?? emailHtml(n),
      attachments: (n.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, cid: a.cid })),
    };
    const started = Date.now();
    const transport = await this.connect();
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await transport.sendMail(mail);
        this.record(true, attempt, started, Number(info.response.slice(0, 3)) || null);
        if (info.rejected.length > 0) {
          throw new DeliveryError(`the server refused ${info.rejected.length} of ${this.opts.to.length} recipient(s): ${info.rejected.join(', ')}`, true, attempt);
        }
        return { ids: [info.messageId], attempts: attempt };
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        const e = err as SMTPConnection.SMTPError;
        const retry = temporary(e) && attempt <= this.policy.retries;
        if (!retry) {
          this.record(false, attempt, started, e.responseCode ?? null, e.message);
          throw new DeliveryError(`SMTP ${e.responseCode ?? e.code ?? 'error'}: ${e.message}`, !temporary(e), attempt);
        }
        const delay = backoffDelayMs(this.policy, attempt);
        this.opts.logger.debug({ system: this.opts.system, operation: 'email.send', attempt, delayMs: delay, error: e.message }, 'retrying');
        await sleep(delay);
      }
    }
  }

  /** Connects, upgrades to TLS and authenticates: the relay is reachable and takes the credentials. */
  async probe(): Promise<string> {
    await (await this.connect()).verify();
    return `SMTP ${this.opts.host}:${this.opts.port} reachable${this.opts.user ? ', credentials accepted' : ''}`;
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }

  private record(ok: boolean, attempts: number, started: number, status: number | null, error?: string): void {
    this.opts.onOutcome?.({
      system: this.opts.system, operation: 'email.send', method: 'SMTP', url: `smtp://${this.opts.host}:${this.opts.port}`,
      status, ok, attempts, durationMs: Date.now() - started, error, at: new Date(),
    });
  }
}
