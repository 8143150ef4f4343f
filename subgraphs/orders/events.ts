// The orders module's topic on the platform event bus. Payload: OrderChangedEvent (services/records.ts).
export const TOPICS = {
  orderChanged: 'order_changed',
} as const;
