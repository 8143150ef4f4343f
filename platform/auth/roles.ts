// Who may do what: the roles every front end (API tokens, the CLI) gives a caller, and the caller as modules see it.
export type Role = 'operator' | 'manager' | 'admin' | 'partner';
export const ROLES: readonly Role[] = ['operator', 'manager', 'admin', 'partner'];

export interface Actor {
  name: string;
  role: Role;
}
