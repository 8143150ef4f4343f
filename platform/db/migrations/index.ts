// Checked-in migrations, listed explicitly so the same list runs from TypeScript (tests) and dist/.
import { Migration20261121000000Init } from './Migration20261121000000Init.js';
import { Migration20261127000000EventOutbox } from './Migration20261127000000EventOutbox.js';
import { Migration20261127090000RunActor } from './Migration20261127090000RunActor.js';
import { Migration20261127100000RunLease } from './Migration20261127100000RunLease.js';
import { Migration20261127110000Listings } from './Migration20261127110000Listings.js';
import { Migration20261127120000RulePolicies } from './Migration20261127120000RulePolicies.js';
import { Migration20261201000000IntegrationState } from './Migration20261201000000IntegrationState.js';

export const MIGRATIONS = [
  { name: 'Migration20261121000000Init', class: Migration20261121000000Init },
  { name: 'Migration20261127000000EventOutbox', class: Migration20261127000000EventOutbox },
  { name: 'Migration20261127090000RunActor', class: Migration20261127090000RunActor },
  { name: 'Migration20261127100000RunLease', class: Migration20261127100000RunLease },
  { name: 'Migration20261127110000Listings', class: Migration20261127110000Listings },
  { name: 'Migration20261127120000RulePolicies', class: Migration20261127120000RulePolicies },
  { name: 'Migration20261201000000IntegrationState', class: Migration20261201000000IntegrationState },
];
