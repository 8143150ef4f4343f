// The notify connector's descriptor: the operators' channels (email over SMTP, Slack and Teams webhooks, SMS via
// Twilio), each on when the notify block configures it, offered as one Notifier; and the sandbox's simulators.
import { z } from 'zod';
import type { ConnectorDeps, ConnectorDescriptor } from '../../platform/integrations/index.js';
import { DeliveryError } from '../../subgraphs/reporting/ports.js';
import { NotifyClient, type NotifyChannel } from './client.js';
import { notifyClientConfig, notifyConfigSchema, type NotifyBlock } from './config.js';
import { EmailChannel } from './email/client.js';
import { SANDBOX_TLS, SMTP_SANDBOX } from './email/simulator.js';
import { NotifySimulator } from './simulator.js';
import { SlackChannel } from './slack/client.js';
import { SLACK_WEBHOOK_PATH } from './slack/simulator.js';
import { SmsChannel } from './sms/client.js';
import { TWILIO_SANDBOX } from './sms/simulator.js';
import { TeamsChannel } from './teams/client.js';
import { TEAMS_WORKFLOW_PATH, TEAMS_WORKFLOW_QUERY } from './teams/simulator.js';

/** The sandbox's SMS recipient: any E.164 number the simulator's magic list does not fail. */
const SANDBOX_SMS_TO = '+819000000000';

export function notifyChannels(block: NotifyBlock, deps: Pick<ConnectorDeps, 'logger' | 'onOutcome'>): NotifyChannel[] {
  const c = notifyClientConfig(block);
  const common = { system: c.system, policy: c.policy, logger: deps.logger, onOutcome: deps.onOutcome };
  const channels: NotifyChannel[] = [];
  if (c.email) channels.push(new EmailChannel({ ...common, ...c.email }));
  if (c.slack) channels.push(new SlackChannel({ ...common, url: c.slack.url }));
  if (c.teams) channels.push(new TeamsChannel({ ...common, url: c.teams.url }));
  if (c.sms) channels.push(new SmsChannel({ ...common, ...c.sms }));
  return channels;
}

export const notifyConnector: ConnectorDescriptor<NotifyBlock, NotifyClient> = {
  id: 'notify',
  implements: ['Notifier', 'HealthCheck'],
  configSchema: notifyConfigSchema,
  // The channels' secrets are not marketplace credentials: they never decide sandbox mode.
  credentials: () => ({}),
  create: (block, deps) => new NotifyClient(block.name, notifyChannels(block, deps)),
  health: (client) => client.health(),
  close: async (client) => {
    for (const c of client.channels) if (c instanceof EmailChannel) c.close();
  },
  operations: {
    send: {
      description: 'send one message to each configured channel (or to those named), bypassing alert routing and throttling',
      changes: true,
      input: z.strictObject({
        severity: z.enum(['info', 'warning', 'critical']).default('warning'),
        title: z.string().min(1).max(200),
        text: z.string().min(1).max(3000),
        channels: z.array(z.string().min(1)).min(1).optional(),
      }),
      output: z.union([
        z.strictObject({ sent: z.literal(false), to: z.array(z.string()) }),
        z.strictObject({ sent: z.literal(true), results: z.array(z.strictObject({ channel: z.string(), ok: z.boolean(), attempts: z.number().int(), error: z.string().optional() })) }),
      ]),
      async run(client, { input, dryRun }) {
        const unknown = (input.channels ?? []).filter((n: string) => !client.channels.some((c) => c.name === n));
        if (unknown.length) throw new Error(`not configured here: ${unknown.join(', ')} (configured: ${client.channels.map((c) => c.name).join(', ') || 'none'})`);
        const targets = client.channels.filter((c) => !input.channels || input.channels.includes(c.name));
        if (dryRun) return { sent: false, to: targets.map((c) => c.name) };
        const results = await Promise.all(
          targets.map((c): Promise<{ channel: string; ok: boolean; attempts: number; error?: string }> =>
            c.send({ type: 'manual', severity: input.severity, title: input.title, text: input.text }).then(
              (r) => ({ channel: c.name, ok: true, attempts: r.attempts }),
              (err: DeliveryError) => ({ channel: c.name, ok: false, attempts: err.attempts, error: err.message }),
            ),
          ),
        );
        if (results.every((r) => !r.ok) && results.length > 0) throw new Error(results.map((r) => `${r.channel}: ${r.error}`).join('; '));
        return { sent: true, results };
      },
    },
  },
  simulator: {
    create: ({ stateFile }) => new NotifySimulator({ stateFile }),
    controlMethods: ['received', 'clear'],
    // Each channel the block leaves empty points at its simulator; a channel configured for real stays as it is.
    sandboxConfig: (block, url) => {
      const u = new URL(url);
      const base = u.origin;
      const { auth, endpoints, settings } = block;
      const email = endpoints.smtp_host ? {} : {
        endpoints: { smtp_host: '127.0.0.1', smtp_port: Number(u.searchParams.get('smtp_port')) },
        auth: { smtp_user: SMTP_SANDBOX.user, smtp_password: SMTP_SANDBOX.password },
        settings: { ...settings.email, from: SMTP_SANDBOX.from, to: [SMTP_SANDBOX.to], security: 'starttls' as const, tls_ca: SANDBOX_TLS.cert },
      };
      const sms = auth.twilio_account_sid ? {} : {
        auth: { twilio_account_sid: TWILIO_SANDBOX.accountSid, twilio_auth_token: TWILIO_SANDBOX.authToken },
        settings: { from: TWILIO_SANDBOX.from, messaging_service_sid: undefined, to: [SANDBOX_SMS_TO] },
      };
      return {
        ...block,
        auth: {
          ...auth, ...email.auth, ...sms.auth,
          slack_webhook_url: auth.slack_webhook_url ?? `${base}${SLACK_WEBHOOK_PATH}`,
          teams_webhook_url: auth.teams_webhook_url ?? `${base}${TEAMS_WORKFLOW_PATH}?${TEAMS_WORKFLOW_QUERY}`,
        },
        endpoints: { ...endpoints, ...email.endpoints, ...(sms.auth && { twilio_api: base }) },
        settings: { email: email.settings ?? settings.email, sms: sms.settings ?? settings.sms },
      };
    },
  },
};
