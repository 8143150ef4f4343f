// The one backoff of the retry policy (retry_config): exponential from backoffBaseMs, capped at backoffMaxMs,
// with jitter over the upper half so that callers that failed together do not retry together. The HTTP client
// uses it for every call; protocols outside HTTP (SMTP) use the same function with the same policy.
import type { HttpPolicy } from './index.js';

/** The wait before retry number `attempt` (1 = the first retry). */
export function backoffDelayMs(policy: Pick<HttpPolicy, 'backoffBaseMs' | 'backoffMaxMs'>, attempt: number): number {
  const backoff = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + Math.random() * (backoff / 2));
}
