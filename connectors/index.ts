// Every connector Tsunagi ships, by its descriptor: the one list the composition root, the config loader and
// the sandbox read. A new system is a new folder here and a block in config/integrations.yaml.
import { IntegrationRegistry, type ConnectorDescriptor } from '../platform/integrations/index.js';
import type { WebhookReceiver } from '../platform/webhooks/index.js';
import { amazonConnector } from './amazon/index.js';
import { damConnector } from './dam/index.js';
import { biConnector } from './bi/index.js';
import { notifyConnector } from './notify/index.js';
import { omsConnector } from './oms/index.js';
import { pimConnector } from './pim/index.js';
import { pricingEngineConnector } from './pricing-engine/index.js';
import { rakutenConnector } from './rakuten/index.js';
import { shopeeConnector } from './shopee/index.js';
import { wmsConnector } from './wms/index.js';
import { yahooConnector } from './yahoo/index.js';

export const CONNECTORS: ConnectorDescriptor[] = [
  amazonConnector, yahooConnector, rakutenConnector, notifyConnector, shopeeConnector, wmsConnector, pimConnector, pricingEngineConnector, omsConnector, damConnector, biConnector,
];

/** The shipped connectors plus any a caller adds (tests add throwaway ones). */
export const connectorRegistry = (extra: ConnectorDescriptor[] = []) => new IntegrationRegistry([...CONNECTORS, ...extra]);

/** Every webhook receiver, by its connector's id (config.yaml orders.webhooks names them). */
export function webhookReceivers(registry: IntegrationRegistry): Record<string, WebhookReceiver> {
  return Object.fromEntries(registry.descriptors.filter((d) => d.webhook).map((d) => [d.id, d.webhook!]));
}
