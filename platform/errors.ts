// The one kind of error raised on purpose: it carries a code saying what went wrong for the caller, whatever the
// module. Each front end maps the code once: subgraphs/federation.ts to a GraphQL extensions.code, cli/output.ts
// to an exit code. Anything without a code is a bug or an outage: logged in full, never shown as is.

export type ErrorCode =
  /** Bad input, named in the message; nothing was changed. */
  | 'USER_INPUT'
  /** No valid credentials were presented. */
  | 'UNAUTHENTICATED'
  /** The caller is known but may not do this. */
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  /** Another operation holds what this one needs. */
  | 'CONFLICT'
  /** A sync or rollback refused to start or go on (the message says why and what to do). */
  | 'REFUSED'
  /** An allocation rule change refused by the approval workflow. */
  | 'RULE_CHANGE_REFUSED'
  /** A system Tsunagi talks to failed or is unreachable. */
  | 'UPSTREAM_FAILED';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
}

/** The code of an error raised on purpose; undefined for anything else. */
export function errorCode(err: unknown): ErrorCode | undefined {
  return err instanceof AppError ? err.code : undefined;
}

/** Bad input to a service call, naming the argument (GraphQL's argumentName). */
export class InvalidInputError extends AppError {
  readonly code = 'USER_INPUT';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/**
 * A system Tsunagi talks to failed, refused or could not be reached. `upstreamCode` is that system's own error
 * code when it gave one (an OAuth error, an SP-API code, a Yahoo! error code ...).
 */
export class UpstreamError extends AppError {
  readonly code = 'UPSTREAM_FAILED';
  constructor(
    message: string,
    readonly upstreamCode?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** A known caller without the role an action needs. */
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
  override readonly name = 'ForbiddenError';
}
