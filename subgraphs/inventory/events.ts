// The inventory module's topics on the platform event bus (payloads: StockChangedEvent[] and RunProgressEvent,
// see service.ts).
export const TOPICS = {
  stockChanged: 'stock_changed',
  runProgress: 'run_progress',
} as const;
