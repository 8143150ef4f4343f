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

/** Bad input from the caller (a value out of range, an unknown channel or SKU): BAD_USER_INPUT, CLI exit 2. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}
