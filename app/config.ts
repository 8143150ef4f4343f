// The config every process loads: platform/config's loader with the registry of the shipped connectors (plus
// any a test adds), so each integrations.yaml block is checked by its own connector's schema.
import { connectorRegistry } from '../connectors/index.js';
import { defaultConfigPath, loadConfig as loadWith, type Config } from '../platform/config/index.js';
import type { ConnectorDescriptor } from '../platform/integrations/index.js';

export function loadConfig(configPath = defaultConfigPath(), env: NodeJS.ProcessEnv = process.env, extra: ConnectorDescriptor[] = []): Config {
  return loadWith(configPath, env, connectorRegistry(extra));
}
