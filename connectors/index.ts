// Every connector Tsunagi ships, by its descriptor: the one list the composition root, the config loader and
// the sandbox read. A new system is a new folder here and a block in config/integrations.yaml.
import { IntegrationRegistry, type ConnectorDescriptor } from '../platform/integrations/index.js';
import type { WebhookReceiver } from '../platform/webhooks/index.js';
import { amazonConnector } from './amazon/index.js';
import { notifyConnector } from './notify/index.js';
import { omsConnector } from './oms/index.js';
import { rakutenConnector } from './rakuten/index.js';
import { shopeePushReceiver } from './shopee/push.js';
import { yahooConnector } from './yahoo/index.js';

export const CONNECTORS: ConnectorDescriptor[] = [amazonConnector, yahooConnector, rakutenConnector, notifyConnector, omsConnector];

/** The shipped connectors plus any a caller adds (tests add throwaway ones). */
export const connectorRegistry = (extra: ConnectorDescriptor[] = []) => new IntegrationRegistry([...CONNECTORS, ...extra]);

/**
 * Every webhook receiver, by its connector's id: the descriptors' own, and the Shopee push receiver, which serves
 * until the shopee descriptor carries it as its `webhook`.
 */
export function webhookReceivers(registry: IntegrationRegistry): Record<string, WebhookReceiver> {
  const receivers: Record<string, WebhookReceiver> = { shopee: shopeePushReceiver };
  for (const d of registry.descriptors) if (d.webhook) receivers[d.id] = d.webhook;
  return receivers;
}
