// `tsunagi`: the operator CLI for the daily routine.
import { Command } from 'commander';
import { registerCleanup } from './commands/cleanup.js';
import { registerHealth } from './commands/health.js';
import { registerImportSku } from './commands/import-sku.js';
import { registerMapping } from './commands/mapping.js';
import { registerRollback } from './commands/rollback.js';
import { registerRules } from './commands/rules.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStatus } from './commands/status.js';
import { registerStock } from './commands/stock.js';
import { registerSync } from './commands/sync.js';
import { registerToken } from './commands/token.js';
import { registerYahooToken } from './commands/yahoo-token.js';
import { EXIT } from './output.js';

const program = new Command('tsunagi')
  .description('Tsunagi: stock sync from Amazon FBA to Yahoo! Shopping and Rakuten, and the hub around it')
  .option('-v, --verbose', 'debug detail in the console log')
  .option('-c, --config <path>', 'main config file', 'config/config.yaml')
  .option('--json', 'print exactly one JSON document on stdout (logs go to stderr)')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });

for (const register of [
  registerSync, registerImportSku, registerStatus, registerRollback, registerHealth, registerSimulate, registerCleanup,
  registerSandbox, registerYahooToken, registerRules, registerToken, registerStock, registerMapping,
]) {
  register(program);
}

await program.parseAsync(process.argv);
