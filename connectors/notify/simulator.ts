// The sandbox's notification services in one simulator: an HTTP server that answers as the Slack webhook, the
// Teams Workflows webhook and Twilio's Messages API (each by its own paths), and a real SMTP server. What each
// accepted is kept (the last RECENT per channel) in the data directory, so `tsunagi notify received` shows it
// whichever process sent it.
import { PersistentState } from '../sandbox/state.js';
import { SimulatorServer } from '../sandbox/server.js';
import { SmtpSimulator, type ReceivedMail } from './email/simulator.js';
import type { SlackMessage } from './slack/client.js';
import { SlackWebhookSimulator } from './slack/simulator.js';
import type { RecordedSms } from './sms/simulator.js';
import { TwilioSimulator } from './sms/simulator.js';
import type { TeamsMessage } from './teams/client.js';
import { TeamsWorkflowSimulator } from './teams/simulator.js';

/** Messages kept per channel. */
const RECENT = 50;

/** What the sandbox keeps of one mail: enough to read it, without its attachments' bytes. */
export interface KeptMail {
  at: string;
  from: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  attachments: { filename: string | null; contentType: string; cid: string | null; bytes: number }[];
}

export interface Received {
  email: KeptMail[];
  slack: (SlackMessage & { at: string })[];
  teams: (TeamsMessage & { at: string })[];
  sms: RecordedSms[];
}

const empty = (): Received => ({ email: [], slack: [], teams: [], sms: [] });

export class NotifySimulator {
  readonly slack: SlackWebhookSimulator;
  readonly teams: TeamsWorkflowSimulator;
  readonly sms: TwilioSimulator;
  readonly email: SmtpSimulator;
  private readonly state: PersistentState<Received>;
  private readonly http: SimulatorServer;

  constructor(opts: { stateFile?: string } = {}) {
    this.state = new PersistentState(opts.stateFile, empty);
    const keep = <K extends keyof Received>(channel: K, item: Received[K][number]) => {
      const list = this.state.data[channel] as Received[K][number][];
      list.push(item);
      list.splice(0, Math.max(0, list.length - RECENT));
      this.state.changed();
    };
    const at = () => new Date().toISOString();
    this.slack = new SlackWebhookSimulator((m) => keep('slack', { ...m, at: at() }));
    this.teams = new TeamsWorkflowSimulator((m) => keep('teams', { ...m, at: at() }));
    this.sms = new TwilioSimulator((m) => keep('sms', m));
    this.email = new SmtpSimulator((m: ReceivedMail) =>
      keep('email', {
        at: at(), from: m.mailFrom, to: m.rcptTo, subject: m.subject, text: m.text, html: m.html,
        attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, cid: a.cid, bytes: a.content.length })),
      }),
    );
    this.http = new SimulatorServer('notify', (req) =>
      this.slack.handle(req) ?? this.teams.handle(req) ?? this.sms.handle(req) ?? { status: 404, body: { error: 'not a notification endpoint' } },
    );
  }

  /**
   * The HTTP base URL, with the SMTP server's port as `smtp_port` (the sandbox hands connectors one URL). Started
   * again (a `port` given), both servers take the ports they had.
   */
  async listen(port = 0): Promise<string> {
    const base = await this.http.listen(port);
    const smtpPort = await this.email.listen(port ? this.email.port : 0);
    return `${base}/?smtp_port=${smtpPort}`;
  }

  async close(): Promise<void> {
    this.state.flush();
    await Promise.all([this.http.close(), this.email.close()]);
  }

  /** Control method: what each channel received, the latest `limit` of each, newest last. */
  received(limit = RECENT): Received {
    const d = this.state.data;
    return { email: d.email.slice(-limit), slack: d.slack.slice(-limit), teams: d.teams.slice(-limit), sms: d.sms.slice(-limit) };
  }

  /** Control method: forget what was received. */
  clear(): void {
    Object.assign(this.state.data, empty());
    this.state.changed();
  }
}

/** One line per message, per channel: what `tsunagi notify received` prints. */
export function summarizeReceived(r: Received): { channel: string; messages: { at: string; summary: string }[] }[] {
  const firstLine = (s: string) => s.split('\n')[0]!;
  return [
    {
      channel: 'email',
      messages: r.email.map((m) => ({
        at: m.at, summary: `${m.to.join(', ')}: ${m.subject}${m.attachments.length ? ` (+${m.attachments.length} attachment${m.attachments.length === 1 ? '' : 's'})` : ''}`,
      })),
    },
    { channel: 'slack', messages: r.slack.map((m) => ({ at: m.at, summary: firstLine(m.text) })) },
    { channel: 'teams', messages: r.teams.map((m) => ({ at: m.at, summary: firstLine(String(m.attachments[0]?.content.body[0]?.text ?? '')) })) },
    { channel: 'sms', messages: r.sms.map((m) => ({ at: m.at, summary: `${m.to}: ${firstLine(m.body)}` })) },
  ];
}
