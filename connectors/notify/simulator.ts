// A Slack incoming-webhook receiver on loopback, for tests: it checks posts the way Slack does (one secret
// path, JSON body, text or blocks, Block Kit size limits), answers with Slack's plain-text status words, and
// records every message it accepted. `faults` makes it fail on demand.
import { FaultPlan } from '../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../sandbox/server.js';
import type { SlackMessage } from './client.js';

/** Shaped like a real webhook path: /services/<team>/<bot>/<secret>. */
export const SIMULATOR_WEBHOOK_PATH = '/services/T0TSUNAGI/B0TSUNAGI/sandboxwebhooksecret000000';

const plain = (status: number, body: string): SimResponse => ({ status, headers: { 'content-type': 'text/plain' }, body });

export class SlackWebhookSimulator {
  readonly faults = new FaultPlan();
  /** Every message accepted, oldest first. */
  readonly messages: SlackMessage[] = [];
  private readonly server = new SimulatorServer('slack-webhook', (req) => this.handle(req));

  /** Starts listening; returns the webhook URL to configure as alerts.slackWebhookUrl. */
  async listen(port = 0): Promise<string> {
    await this.server.listen(port);
    return this.webhookUrl;
  }

  get webhookUrl(): string {
    return `${this.server.url}${SIMULATOR_WEBHOOK_PATH}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Resolves once `count` messages have arrived; rejects after `timeoutMs`. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<SlackMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`webhook simulator: ${this.messages.length} of ${count} messages after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.messages.slice(0, count);
  }

  private handle(req: SimRequest): SimResponse {
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.path !== SIMULATOR_WEBHOOK_PATH) return plain(404, 'no_service');
    if (req.method !== 'POST') return plain(405, 'invalid_method');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return plain(400, 'invalid_payload');
    let message: Partial<SlackMessage>;
    try {
      message = JSON.parse(req.body) as Partial<SlackMessage>;
    } catch {
      return plain(400, 'invalid_payload');
    }
    if (typeof message !== 'object' || message === null) return plain(400, 'invalid_payload');
    if (!message.text && !message.blocks?.length) return plain(400, 'no_text');
    if (message.blocks && !blocksValid(message.blocks)) return plain(400, 'invalid_blocks');
    this.messages.push(message as SlackMessage);
    return plain(200, 'ok');
  }
}

/** The Block Kit rules Tsunagi's messages touch: header ≤150, section text ≤3000, ≤10 fields of ≤2000, non-empty texts. */
function blocksValid(blocks: unknown[]): boolean {
  const text = (t: unknown, max: number) =>
    typeof t === 'object' && t !== null && typeof (t as { text?: unknown }).text === 'string' &&
    (t as { text: string }).text.length > 0 && (t as { text: string }).text.length <= max;
  return blocks.every((b) => {
    const block = b as { type?: string; text?: unknown; fields?: unknown[]; elements?: unknown[] };
    switch (block.type) {
      case 'header':
        return text(block.text, 150);
      case 'section':
        if (block.text === undefined && !block.fields?.length) return false;
        if (block.text !== undefined && !text(block.text, 3000)) return false;
        return !block.fields || (block.fields.length <= 10 && block.fields.every((f) => text(f, 2000)));
      case 'context':
        return Array.isArray(block.elements) && block.elements.length > 0 && block.elements.length <= 10;
      case 'divider':
        return true;
      default:
        return false;
    }
  });
}
