// What a client is told when an operation fails: a code and a message written for it, whatever NODE_ENV says and
// wherever the error came from (the gateway, a subgraph in this process or one over HTTP/WebSocket). An error
// raised on purpose carries a code: its message is kept, minus upstream addresses and file paths. Anything else
// (a bug, a database or network failure) becomes a generic message, logged in full. Stack traces never leave.
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../platform/log/index.js';

/** Codes that mean "not raised on purpose": the message is for the logs, not the client. */
const UNINTENDED = new Set(['INTERNAL_SERVER_ERROR', 'DOWNSTREAM_SERVICE_ERROR']);
/** Extensions a client may see; others (stacktrace, exception, the subgraph's response and URL) are dropped. */
const KEPT_EXTENSIONS = ['code', 'retryAfter', 'validationErrorCode', 'errors', 'argumentName'];

const GENERIC = 'internal error';
/** A refused or dropped connection: the upstream is down, not broken. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed|request to \S+ failed/i;

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)\]]+/gi;
const ADDRESS_PATTERN = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9a-f:]+\](?::\d+)?/gi;
const PATH_PATTERN = /(?<![\w.:/])\/(?:[\w.@-]+\/)+[\w.@-]*/g;
/** graphql-js's suggestions ("Did you mean ...?") name schema fields and types. */
const SUGGESTION_PATTERN = / ?Did you mean .+?\?$/;

/** Removes upstream addresses and file paths from a message. */
export function redact(message: string): string {
  return message.replace(URL_PATTERN, '<address>').replace(ADDRESS_PATTERN, '<address>').replace(PATH_PATTERN, '<path>');
}

export interface ClientErrorOptions {
  /** With introspection off, suggestions would reveal the schema bit by bit. */
  hideSuggestions: boolean;
  logger: Pick<Logger, 'error'>;
}

/** Apollo Server's `formatError` (HTTP and executeOperation) and the WebSocket's: one rule for both. */
export function clientErrorFormatter(opts: ClientErrorOptions) {
  return (formatted: GraphQLFormattedError, original?: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const { locations, path } = formatted;
    const where = { ...(locations ? { locations } : {}), ...(path ? { path } : {}) };
    // Already made safe (an answer of Apollo Server passed on over the WebSocket): logged once, when it was made.
    if (code === 'INTERNAL_SERVER_ERROR' && formatted.message === GENERIC) return formatted;
    if (typeof code !== 'string' || UNINTENDED.has(code)) {
      const unreachable = UNREACHABLE.test(formatted.message);
      opts.logger.error({ err: original ?? formatted, code }, unreachable ? 'an upstream is unreachable' : 'operation failed');
      return unreachable
        ? { message: 'a subgraph is unavailable; try again later', ...where, extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }
        : { message: GENERIC, ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    let message = redact(formatted.message);
    if (opts.hideSuggestions) message = message.replace(SUGGESTION_PATTERN, '');
    const extensions = Object.fromEntries(KEPT_EXTENSIONS.filter((k) => formatted.extensions?.[k] !== undefined).map((k) => [k, formatted.extensions![k]]));
    return { message, ...where, extensions };
  };
}
