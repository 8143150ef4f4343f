/** Refusals the operator can act on: the CLI prints the message and exits 1 (2 for bad input). */
export class SyncRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncRefusedError';
  }
}

export class RuleChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleChangeError';
  }
}

/** Bad input to a service call, naming the argument: GraphQL answers BAD_USER_INPUT, the CLI exits 2. */
export class InvalidInputError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}
