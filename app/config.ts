// The config every process loads: platform/config's loader with the registry of the shipped connectors (plus
// any a test adds), so each integrations.yaml block is checked by its own connector's schema, and the stock
// sources' tier table and policies checked by the inventory module, so that a bad one is refused at load too.
import { connectorRegistry } from '../connectors/index.js';
import { ConfigError, defaultConfigPath, loadConfig as loadWith, type Config } from '../platform/config/index.js';
import type { ConnectorDescriptor } from '../platform/integrations/index.js';
import { parseStockSources } from '../subgraphs/inventory/sources.js';

export function loadConfig(configPath = defaultConfigPath(), env: NodeJS.ProcessEnv = process.env, extra: ConnectorDescriptor[] = []): Config {
  const config = loadWith(configPath, env, connectorRegistry(extra));
  try {
    parseStockSources(config.sync);
  } catch (err) {
    throw new ConfigError(`config: ${(err as Error).message}\n(in ${config.configPath})`);
  }
  return config;
}
