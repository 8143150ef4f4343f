// `tsunagi`: the operator CLI for the daily routine. Command files define their options here and import what
// they run only when they run, so `--help`, `--version` and usage errors load commander and nothing else.
import { Command } from 'commander';
import { packageVersion } from '../platform/project.js';
import { registerAlerts } from './commands/alerts.js';
import { registerCleanup } from './commands/cleanup.js';
import { registerHealth } from './commands/health.js';
import { registerImportSku } from './commands/import-sku.js';
import { registerIntegrations } from './commands/integrations.js';
import { registerLogs } from './commands/logs.js';
import { registerMapping } from './commands/mapping.js';
import { registerNotify } from './commands/notify.js';
import { registerReport } from './commands/report.js';
import { registerOrders } from './commands/orders.js';
import { registerRollback } from './commands/rollback.js';
import { registerRules } from './commands/rules.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerShopee } from './commands/shopee.js';
import { registerSimulate } from './commands/simulate.js';
import { registerStatus } from './commands/status.js';
import { registerStock } from './commands/stock.js';
import { registerSync } from './commands/sync.js';
import { registerToken } from './commands/token.js';
import { registerWebhooks } from './commands/webhooks.js';
import { registerYahooToken } from './commands/yahoo-token.js';
import { EXIT } from './output.js';

// `tsunagi status | head -3`: a reader that stops early is not an error, and must not print a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw err;
});

const HELP_AFTER = `
Examples:
  tsunagi sync --dry-run                 what would change, nothing sent
  tsunagi sync                           send only the changes, recorded in the run's ledger
  tsunagi status                         recent runs; tsunagi status 12 shows run 12 with its ledger
  tsunagi rollback --dry-run             preview undoing the most recent run
  tsunagi --json status | jq '.[0]'      one JSON document on stdout
  tsunagi integrations list              the external systems, their operations and schedules
  tsunagi notify test                    a test alert on every configured channel, each one's outcome
  tsunagi report daily --out report.html yesterday's report with its charts, as one HTML file
  tsunagi orders failed                  order webhooks and OMS calls that failed for good; orders retry <id>
  tsunagi logs --follow --level warn     the log as readable lines, in the configured timezone
  TOKEN=$(tsunagi token --role operator) an API token for curl or GraphiQL

Environment:
  DATABASE_URL            PostgreSQL server; unset: the embedded database in the data directory
  TSUNAGI_DATA_DIR        data directory (default: data/ in the project, wherever you run tsunagi from)
  TSUNAGI_CONFIG          main config file (default: config/config.yaml in the project)
  TSUNAGI_LOG_DIR         log directory (default: logs/ in the project; the live file is inventory_sync.log)
  TSUNAGI_USER            your name in the audit trail and the runs' USER column (default: the OS user)
  TSUNAGI_ROLE            your declared role for rule proposals: operator (default), manager, admin
  TSUNAGI_TOKEN           signed API token for rules approve/reject, stock set, rollback, cleanup (or --token);
                          required outside sandbox mode, where its subject is recorded
  AMAZON_*, YAHOO_*, RAKUTEN_*, SHOPEE_*  marketplace credentials (config/integrations.yaml); none set: sandbox mode
  TSUNAGI_SMTP_*, TSUNAGI_MAIL_*, TSUNAGI_SLACK_WEBHOOK_URL, TSUNAGI_TEAMS_WEBHOOK_URL, TWILIO_*, TSUNAGI_SMS_TO
                          the alert channels (the notify block); each is off while unset

Output:
  stdout carries only the result (text, or one JSON document with --json); banners, progress, log lines,
  errors and refusals go to stderr. Times are in the configured timezone (config.yaml timezone), ISO 8601 UTC
  in JSON.

Exit codes:
  0  success
  1  the run failed or was partial, a check failed (health), or the request was refused ([REFUSED]:
     e.g. no or an invalid token, or a token whose role may not do this)
  2  bad usage or bad input (the message names what is wrong); nothing was changed
`;

const program = new Command('tsunagi')
  .description('Tsunagi: stock sync from Amazon FBA to Yahoo! Shopping and Rakuten, and the hub around it')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('-v, --verbose', 'debug detail in the console log (stderr)')
  .option('-c, --config <path>', 'main config file (default: config/config.yaml in the project, or TSUNAGI_CONFIG)')
  .option('--json', 'print exactly one JSON document on stdout (everything else goes to stderr)')
  .addHelpText('after', HELP_AFTER)
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });

for (const register of [
  registerSync, registerImportSku, registerStatus, registerRollback, registerHealth, registerSimulate, registerCleanup,
  registerSandbox, registerYahooToken, registerRules, registerToken, registerStock, registerMapping,
  registerIntegrations, registerShopee, registerNotify, registerReport, registerOrders, registerWebhooks, registerAlerts, registerLogs,
]) {
  register(program);
}

await program.parseAsync(process.argv);
