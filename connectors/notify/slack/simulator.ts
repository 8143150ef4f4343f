// A Slack incoming-webhook receiver on loopback: it checks posts the way Slack does (one secret path, JSON body,
// text or blocks, Block Kit limits), answers with Slack's plain-text status words, and records every message it
// accepted. Standalone (tests) or mounted on the sandbox's notify server. `faults` makes it fail on demand
// (e.g. 429 with Retry-After, 500 rollup_error).
import { FaultPlan, waitForCount } from '../../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../../sandbox/server.js';
import type { SlackMessage } from './client.js';
import { SLACK_LIMITS } from './client.js';

/** Shaped like a real webhook path: /services/<team>/<bot>/<secret>. */
export const SLACK_WEBHOOK_PATH = '/services/T0TSUNAGI/B0TSUNAGI/sandboxwebhooksecret000000';

const plain = (status: number, body: string): SimResponse => ({ status, headers: { 'content-type': 'text/plain' }, body });

export class SlackWebhookSimulator {
  readonly faults = new FaultPlan();
  /** Every message accepted, oldest first. */
  readonly messages: SlackMessage[] = [];
  private server: SimulatorServer | undefined;

  constructor(private readonly onAccepted?: (m: SlackMessage) => void) {}

  /** Standalone: listens on its own port; resolves to the webhook URL to configure. */
  async listen(): Promise<string> {
    this.server = new SimulatorServer('slack-webhook', (req) => this.handle(req) ?? plain(404, 'no_service'));
    return `${await this.server.listen()}${SLACK_WEBHOOK_PATH}`;
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  /** Its requests: those under /services (anything else is not Slack's, undefined). */
  handle(req: SimRequest): SimResponse | undefined {
    if (!req.path.startsWith('/services/')) return undefined;
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.path !== SLACK_WEBHOOK_PATH) return plain(404, 'no_service');
    if (req.method !== 'POST') return plain(405, 'invalid_method');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return plain(400, 'invalid_payload');
    let message: Partial<SlackMessage>;
    try {
      message = JSON.parse(req.body) as Partial<SlackMessage>;
    } catch {
      return plain(400, 'invalid_payload');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return plain(400, 'invalid_payload');
    if (!message.text && !message.blocks?.length) return plain(400, 'no_text');
    if (message.blocks && !blocksValid(message.blocks)) return plain(400, 'invalid_blocks');
    this.messages.push(message as SlackMessage);
    this.onAccepted?.(message as SlackMessage);
    return plain(200, 'ok');
  }

  /** Resolves once `count` messages have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SlackMessage[]> {
    return waitForCount(this.messages, count, 'slack simulator messages', timeoutMs);
  }
}

/** The Block Kit rules Tsunagi's messages touch: ≤50 blocks, header ≤150, section text ≤3000, ≤10 fields of ≤2000, non-empty texts. */
function blocksValid(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > SLACK_LIMITS.blocks) return false;
  const text = (t: unknown, max: number) =>
    typeof t === 'object' && t !== null && typeof (t as { text?: unknown }).text === 'string' &&
    (t as { text: string }).text.length > 0 && (t as { text: string }).text.length <= max;
  return blocks.every((b) => {
    const block = b as { type?: string; text?: unknown; fields?: unknown[]; elements?: unknown[] };
    switch (block.type) {
      case 'header':
        return text(block.text, SLACK_LIMITS.header);
      case 'section':
        if (block.text === undefined && !block.fields?.length) return false;
        if (block.text !== undefined && !text(block.text, SLACK_LIMITS.section)) return false;
        return !block.fields || (block.fields.length <= SLACK_LIMITS.fields && block.fields.every((f) => text(f, SLACK_LIMITS.field)));
      case 'context':
        return Array.isArray(block.elements) && block.elements.length > 0 && block.elements.length <= 10;
      case 'divider':
        return true;
      default:
        return false;
    }
  });
}
