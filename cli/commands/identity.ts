// Who runs a CLI command, for the audit trail and for rule approvals: TSUNAGI_USER, else the OS user.
// The CLI runs with the database credentials, so its role (TSUNAGI_ROLE, default operator) is the operator's own
// declaration, recorded in the audit trail; the GraphQL API takes roles from signed JWTs instead.
import { userInfo } from 'node:os';
import type { Actor, Role } from '../../subgraphs/inventory/rules.js';
import { UsageError } from '../output.js';

// The roles of subgraphs/inventory/rules.ts, without loading the module (it brings the ORM) for `--help`.
const ROLES: Role[] = ['operator', 'manager', 'admin', 'partner'];

export function operatorName(): string {
  return process.env.TSUNAGI_USER || userInfo().username;
}

export function cliActor(role?: string): Actor {
  const r = (role ?? process.env.TSUNAGI_ROLE ?? 'operator') as Role;
  if (!ROLES.includes(r)) throw new UsageError(`role must be one of ${ROLES.join(', ')}, got "${r}"`);
  return { name: operatorName(), role: r };
}
