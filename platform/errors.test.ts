import { describe, expect, it } from '@jest/globals';
import { graphqlError } from '../subgraphs/federation.js';
import { exitCodeOf, isRefusal, UsageError } from '../cli/output.js';
import { ConfigError } from './config/index.js';
import { AppError, errorCode, InvalidInputError, type ErrorCode } from './errors.js';
import { MappingError } from './transform/index.js';
import { ImportBusyError, SkuMasterInvalidError } from '../subgraphs/catalog/service.js';
import { InventoryFileError } from '../subgraphs/inventory/inventory-file.js';
import { RuleChangeError, SyncRefusedError } from '../subgraphs/inventory/errors.js';
import { AuthError } from './auth/tokens.js';
import { GraphQLError } from 'graphql';
import { CircuitOpenError, HttpError } from './http/index.js';
import { AmazonApiError } from '../connectors/amazon/client.js';
import { YahooAuthError } from '../connectors/yahoo/oauth.js';
import { RakutenApiError, RakutenCodeError } from '../connectors/rakuten/client.js';

class Coded extends AppError {
  constructor(readonly code: ErrorCode) {
    super(`a ${code} error`);
  }
}

const gqlCode = (err: unknown) => (graphqlError(err) as GraphQLError).extensions?.code;

describe('error codes', () => {
  it('every error raised on purpose carries its code; front ends read the code, not the class name', () => {
    const cases: [Error, ErrorCode, string | undefined, number, boolean][] = [
      [new UsageError('x'), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new ConfigError('x'), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new MappingError('x'), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new InvalidInputError('qty', 'x'), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new SkuMasterInvalidError([]), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new InventoryFileError('f.csv', []), 'USER_INPUT', 'BAD_USER_INPUT', 2, false],
      [new RuleChangeError('x'), 'RULE_CHANGE_REFUSED', 'RULE_CHANGE_REFUSED', 2, false],
      [new SyncRefusedError('x'), 'REFUSED', 'SYNC_REFUSED', 1, true],
      [new ImportBusyError('x'), 'CONFLICT', 'CONFLICT', 1, true],
      [new AuthError('x'), 'UNAUTHENTICATED', 'UNAUTHENTICATED', 1, true],
    ];
    for (const [err, code, graphql, exit, refusal] of cases) {
      expect([err.name, errorCode(err), gqlCode(err), exitCodeOf(err), isRefusal(err)]).toEqual([err.name, code, graphql, exit, refusal]);
    }
  });

  it('maps a code the same whatever the class is called', () => {
    const err = new Coded('FORBIDDEN');
    err.name = 'SomethingNew';
    expect([gqlCode(err), exitCodeOf(err), isRefusal(err)]).toEqual(['FORBIDDEN', 1, true]);
    expect([gqlCode(new Coded('NOT_FOUND')), exitCodeOf(new Coded('NOT_FOUND'))]).toEqual(['NOT_FOUND', 1]);
  });

  it('keeps upstream failures and uncoded errors out of client messages; they exit 1', () => {
    const upstream = [
      new HttpError('x', 502, '', new Headers()), new CircuitOpenError('sys', 1000), new AmazonApiError('x', 500, 'InternalFailure', undefined),
      new YahooAuthError('x', 'invalid_grant'), new RakutenApiError('x', 401, [{ code: 'GA0001', message: 'm' }]),
    ];
    expect(upstream.map(errorCode)).toEqual(upstream.map(() => 'UPSTREAM_FAILED'));
    expect(upstream.map((e) => (e as AmazonApiError).upstreamCode)).toEqual([undefined, undefined, 'InternalFailure', 'invalid_grant', 'GA0001']);
    expect(errorCode(new RakutenCodeError('x'))).toBe('USER_INPUT');
    for (const err of [new Coded('UPSTREAM_FAILED'), ...upstream, new Error('boom'), Object.assign(new Error('pg'), { code: '23505' })]) {
      expect(graphqlError(err)).toBe(err);
      expect([exitCodeOf(err), isRefusal(err)]).toEqual([1, false]);
    }
  });

  it('passes an argument at fault to GraphQL as argumentName', () => {
    expect((graphqlError(new InvalidInputError('quantity', 'bad')) as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName: 'quantity' });
  });
});
