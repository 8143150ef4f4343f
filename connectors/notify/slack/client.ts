// Slack incoming webhook: one POST of Block Kit JSON; `200 ok` is success, errors are plain-text words with a
// status (see ../README.md). 429 + Retry-After and 5xx are retried by the HTTP client; a 4xx is final.
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { DeliveryReceipt, Notification } from '../../../subgraphs/reporting/ports.js';
import { clip, deliverOverHttp, redactWebhookUrl, type NotifyChannel } from '../client.js';

/** Block Kit limits (characters): header text, section text, one section field; at most 10 fields, 50 blocks. */
export const SLACK_LIMITS = { header: 150, section: 3000, field: 2000, fields: 10, blocks: 50 } as const;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

/** The JSON body of an incoming-webhook post: `text` is the notification fallback, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ICONS = { critical: ':rotating_light:', warning: ':warning:', info: ':information_source:' } as const;

/** Slack reads &, < and > as control characters in mrkdwn; everything else is shown as written. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(n: Notification): SlackMessage {
  const headline = `${ICONS[n.severity]} ${n.severity.toUpperCase()}: ${n.title}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(headline, SLACK_LIMITS.header), emoji: true } }];
  if (n.text.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(n.text), SLACK_LIMITS.section) } });
  const fields = (n.fields ?? [])
    .slice(0, SLACK_LIMITS.fields)
    .map(([label, value]): SlackText => ({ type: 'mrkdwn', text: clip(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.field) }));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(n.footer ?? 'Tsunagi'), SLACK_LIMITS.section) }] });
  return { text: clip(`${headline}\n${n.text}`, SLACK_LIMITS.section), blocks };
}

export interface SlackChannelOptions {
  system: string;
  url: string;
  logger: Logger;
  policy?: Partial<HttpPolicy>;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class SlackChannel implements NotifyChannel {
  readonly name = 'slack';
  readonly description = 'incoming webhook configured (tested by posting: tsunagi notify test)';

  constructor(private readonly opts: SlackChannelOptions) {}

  async send(n: Notification): Promise<DeliveryReceipt> {
    const { attempts } = await deliverOverHttp({
      system: this.opts.system, operation: 'slack.incomingWebhook', url: this.opts.url, shownUrl: redactWebhookUrl(this.opts.url),
      policy: this.opts.policy, logger: this.opts.logger, onOutcome: this.opts.onOutcome,
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackMessage(n)),
    });
    return { ids: [], attempts };
  }
}
