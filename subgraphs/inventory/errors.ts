import { AppError } from '../../platform/errors.js';

/** Refusals the operator can act on: the CLI prints the message and exits 1 (2 for bad input). */
export class SyncRefusedError extends AppError {
  readonly code = 'REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'SyncRefusedError';
  }
}

export class RuleChangeError extends AppError {
  readonly code = 'RULE_CHANGE_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'RuleChangeError';
  }
}

export { InvalidInputError } from '../../platform/errors.js';
