// The interfaces the orders module talks to. Connectors implement them (the channel an order comes from, the
// OMS it goes to); the module never knows which system is behind one.
import { AppError } from '../../platform/errors.js';
import type { InboxMessage } from '../../platform/webhooks/index.js';
import type { SalesOrder, SalesQuery } from './services/sales.js';

/** One order as its channel has it now, ready for the channel's mappings (config/data-mappings.json). */
export interface SourceOrder {
  /** The integrations.yaml system it came from. */
  system: string;
  /** The sales channel id (e.g. one shop's channel). */
  channel: string;
  /** The channel's shop or account id. */
  accountRef?: string;
  orderSn: string;
  /** The channel's own status word. */
  channelStatus: string;
  /** The channel's time of its last change: older news never overwrites newer. */
  updatedAt: Date;
  /** The channel's buyer id, kept only as a keyed pseudonym (for reporting). */
  buyerId?: string | null;
  /** The order record, mapped by the source's orderMapping. */
  record: unknown;
  /** Each line's record, mapped by the source's lineMapping. */
  lines: unknown[];
}

export interface OrderSource {
  readonly system: string;
  /** The mappings the records go through: the order (to the OMS document) and each line. */
  readonly orderMapping: string;
  readonly lineMapping: string;
  /** Most orders one fetchOrders call takes. */
  readonly maxFetch: number;
  /** The orders as the channel has them now; orders it does not know are left out of the answer. */
  fetchOrders(accountRef: string | undefined, orderSns: string[]): Promise<SourceOrder[]>;
}

/** An order shipped by the OMS, from its webhook or its order list. */
export interface Shipment {
  omsOrderId?: string;
  /** The channel's order number (the OMS's external_order_id). */
  orderSn?: string;
  channel?: string;
  trackingNumber: string;
  carrier?: string;
  shippedAt?: Date;
}

export interface OrderSink {
  readonly system: string;
  /** Creates the order; the same key always means the same order (a retry gets the first answer's id). */
  createOrder(document: Record<string, unknown>, idempotencyKey: string): Promise<{ omsOrderId: string }>;
  updateStatus(omsOrderId: string, status: string, idempotencyKey: string): Promise<void>;
  /** Orders shipped (with a tracking number) since `since`, page by page: the safety net for missed webhooks. */
  shippedSince(since: Date): AsyncIterable<Shipment[]>;
}

/** Sends a tracking number back to the channel the order came from, and says what the channel now shows. */
export interface OrderFulfilment {
  readonly system: string;
  shipOrder(order: { channel: string; accountRef?: string; orderSn: string; trackingNumber: string; carrier?: string }): Promise<{ trackingNumber: string }>;
}

/** The oversell guard (the inventory module): an order holds its units on its source's other channels at once. */
export interface StockReservations {
  reserve(req: { ref: string; channel: string; lines: { sku: string; quantity: number }[] }): Promise<unknown>;
  release(req: { ref: string; reason: string }): Promise<unknown>;
}

/** The one send_alert path (reporting's AlertService), as far as orders use it. */
export interface Alerts {
  sendAlert(req: { type: 'order_failed'; severity: 'critical'; message: string; vars: Record<string, string | number> }): Promise<unknown>;
}

/** The other system refused the call for good (bad data, unknown order): retrying cannot help; a dead letter at once. */
export class RejectedError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  override readonly name = 'RejectedError';
}

/** The orders module, as operations use it (the OMS's read-back of shipments, the BI export's sales lines). */
export interface OrderOperations {
  /** Records shipments read back from the OMS (each once); returns how many were new. */
  recordShipments(shipments: Shipment[]): Promise<number>;
  /** Orders changed after `after` (and placed in [placedFrom, placedTo) when given), oldest change first, with their lines. */
  salesPage(q: SalesQuery): Promise<SalesOrder[]>;
  /** Writes webhook messages recovered another way (a sender's list of lost pushes) to the inbox; returns how many were new. */
  receive(receiver: string, system: string, body: string, messages: InboxMessage[]): Promise<number>;
}

declare module '../../platform/integrations/index.js' {
  interface OperationServices {
    orders?: OrderOperations;
  }
}
