// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): one POST of a message
// envelope around an Adaptive Card. The retired Office 365 connector format (MessageCard) is not used. A message
// over 28 KB is refused here, before sending. See ../README.md.
import type { CallOutcome, HttpPolicy } from '../../../platform/http/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { DeliveryError, type DeliveryReceipt, type Notification } from '../../../subgraphs/reporting/ports.js';
import { deliverOverHttp, redactWebhookUrl, type NotifyChannel } from '../client.js';

/** Teams takes messages of at most 28 KB (the JSON body, in bytes). */
export const TEAMS_MAX_BYTES = 28 * 1024;
export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: Record<string, unknown>[];
}

const COLORS = { critical: 'Attention', warning: 'Warning', info: 'Default' } as const;

export function teamsMessage(n: Notification): TeamsMessage {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: `${n.severity.toUpperCase()}: ${n.title}`, weight: 'Bolder', size: 'Medium', color: COLORS[n.severity], wrap: true },
  ];
  if (n.text.trim()) body.push({ type: 'TextBlock', text: n.text, wrap: true });
  if (n.fields?.length) body.push({ type: 'FactSet', facts: n.fields.map(([title, value]) => ({ title, value })) });
  body.push({ type: 'TextBlock', text: n.footer ?? 'Tsunagi', isSubtle: true, size: 'Small', wrap: true });
  return {
    type: 'message',
    attachments: [{
      contentType: ADAPTIVE_CARD_TYPE, contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
    }],
  };
}

export interface TeamsChannelOptions {
  system: string;
  url: string;
  logger: Logger;
  policy?: Partial<HttpPolicy>;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class TeamsChannel implements NotifyChannel {
  readonly name = 'teams';
  readonly description = 'Workflows webhook configured (tested by posting: tsunagi notify test)';

  constructor(private readonly opts: TeamsChannelOptions) {}

  async send(n: Notification): Promise<DeliveryReceipt> {
    const body = JSON.stringify(teamsMessage(n));
    const bytes = Buffer.byteLength(body);
    if (bytes > TEAMS_MAX_BYTES) {
      throw new DeliveryError(`the card is ${bytes} bytes; Teams takes at most ${TEAMS_MAX_BYTES} (28 KB): not sent`, true, 0);
    }
    const { attempts } = await deliverOverHttp({
      system: this.opts.system, operation: 'teams.workflowWebhook', url: this.opts.url, shownUrl: redactWebhookUrl(this.opts.url),
      policy: this.opts.policy, logger: this.opts.logger, onOutcome: this.opts.onOutcome,
      headers: { 'content-type': 'application/json' }, body,
    });
    return { ids: [], attempts };
  }
}
