// The yahoo connector's descriptor: a Yahoo! Shopping stock target (YConnect auth) and its simulator.
import { z } from 'zod';
import type { ConnectorDescriptor } from '../../platform/integrations/index.js';
import { stockByCodeSchema } from '../../subgraphs/inventory/ports.js';
import { YAHOO_MAX_ITEMS, YahooClient } from './client.js';
import { yahooClientConfig, yahooConfigSchema, type YahooBlock } from './config.js';
import { REFRESH_TOKEN_LIFETIME_DAYS, YAHOO_REFRESH_TOKEN_CREDENTIAL } from './oauth.js';
import { AUTHORIZE_PATH, SHOPPING_PATH, TOKEN_PATH, YAHOO_SANDBOX_CREDENTIALS, YahooSimulator } from './simulator.js';

export const yahooConnector: ConnectorDescriptor<YahooBlock, YahooClient> = {
  id: 'yahoo',
  implements: ['StockTarget', 'HealthCheck'],
  configSchema: yahooConfigSchema,
  credentials: (b) => ({
    'settings.seller_id': b.settings.seller_id, 'auth.client_id': b.auth.client_id, 'auth.client_secret': b.auth.client_secret,
  }),
  create: (block, deps) =>
    new YahooClient({ config: yahooClientConfig(block), credentials: deps.credentials, tokens: deps.tokens, policy: block.retry_config, logger: deps.logger, onOutcome: deps.onOutcome }),
  health: (client) => client.health(),
  close: (client) => client.close(),
  operations: {
    get_stock: {
      description: 'quantities the mall holds for the given item codes (read only; null where it has no such item)',
      changes: false,
      input: z.strictObject({ codes: z.array(z.string().min(1)).min(1).max(YAHOO_MAX_ITEMS) }),
      output: stockByCodeSchema,
      run: async (client, { input }) => ({ stock: Object.fromEntries(await client.getStock(input.codes)) }),
    },
  },
  simulator: {
    create: ({ stateFile, rateLimits }) => new YahooSimulator({ stateFile, ...(rateLimits ? {} : { rateLimit: false }) }),
    controlMethods: ['seed', 'clear', 'reset', 'addItem', 'addMissing', 'setQuantity', 'getQuantity', 'issueRefreshToken'],
    sandboxConfig: (block, url) => ({
      ...block,
      endpoints: { ...block.endpoints, api: `${url}${SHOPPING_PATH}` },
      settings: { ...block.settings, seller_id: YAHOO_SANDBOX_CREDENTIALS.sellerId },
      auth: {
        ...block.auth,
        authorize_url: `${url}${AUTHORIZE_PATH}`,
        token_url: `${url}${TOKEN_PATH}`,
        client_id: YAHOO_SANDBOX_CREDENTIALS.clientId,
        client_secret: YAHOO_SANDBOX_CREDENTIALS.clientSecret,
        redirect_uri: 'http://127.0.0.1:8976/callback',
        refresh_token: undefined,
      },
    }),
    // The operator has no Yahoo! account to authorise in the sandbox: the simulator issues the refresh token.
    async prepare(call, { credentials }) {
      const stored = await credentials.get(YAHOO_REFRESH_TOKEN_CREDENTIAL);
      if (stored && (!stored.expiresAt || stored.expiresAt > new Date())) return;
      const token = (await call('issueRefreshToken')) as string;
      await credentials.put(YAHOO_REFRESH_TOKEN_CREDENTIAL, token, new Date(Date.now() + REFRESH_TOKEN_LIFETIME_DAYS * 86_400_000));
    },
  },
};
