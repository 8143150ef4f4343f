// What a webhook receiver is: the part of a connector that knows how its system signs and shapes the webhooks it
// sends us. The gateway's ingress (gateway/webhooks.ts) knows none of them: it reads the raw bytes, asks the
// receiver to verify and decode them, writes the messages to the inbox and answers. Work happens later, from the
// inbox (subgraphs/orders).
import type { IncomingHttpHeaders } from 'node:http';

export interface WebhookRequest {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** The URL as the sender called it (the callback URL registered with it, when it signs that). */
  url: string;
  now: number;
}

/** One unit of work for the inbox, identified so that a repeated delivery changes nothing. */
export interface InboxMessage {
  /** What the inbox processor does with it: 'order.status', 'order.tracking', 'shipment'. */
  kind: string;
  /** Unique per event: a second delivery with the same key is acknowledged and dropped. */
  dedupKey: string;
  /** The sender's shop or account the message is about (a shop id), when it says. */
  accountRef?: string;
  /** The sender's order reference (an order number, an OMS order id). */
  orderRef?: string;
  /** What the message itself says, when the work needs it (a shipment's tracking number), in the receiver's words. */
  payload?: Record<string, unknown>;
}

export interface DecodedWebhook {
  messages: InboxMessage[];
  /** Set when the delivery is authentic but carries nothing to act on (an unknown push code): logged, acknowledged. */
  ignored?: string;
}

/** Thrown by decode for a body that is not what the sender's contract says (400, nothing stored). */
export class WebhookBodyError extends Error {
  override readonly name = 'WebhookBodyError';
}

export interface WebhookReceiver<B = any> {
  /** The secret that signs this system's webhooks, read from its block of integrations.yaml (undefined: none set). */
  secret(block: B): string | undefined;
  /** Why the delivery is not authentic (401), or null. Runs on the raw bytes, before anything is parsed. */
  verify(req: WebhookRequest, secret: string): string | null;
  /** The verified body as inbox messages; throws WebhookBodyError when it is malformed. */
  decode(req: WebhookRequest): DecodedWebhook;
}
