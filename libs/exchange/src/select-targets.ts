import type { PolicyMatch } from '@fedbroker/policy';
import { ExchangeError } from './exchange.error';

/** RFC 8693 §2.2.2: every requested audience/resource must be allowed; none asked means the single one. */
export function selectTargets(requested: readonly string[], match: PolicyMatch): string[] {
  if (requested.length === 0) {
    const [only, ...others] = match.audiences;
    if (only === undefined || others.length > 0) {
      throw new ExchangeError('target_not_allowed', 'the policy allows several audiences: request one', {
        reason: `policy ${match.policy} allows ${match.audiences.length} audiences and none was requested`,
      });
    }
    return [only];
  }
  const denied = requested.filter((t) => !match.audiences.includes(t));
  if (denied.length > 0) {
    throw new ExchangeError('target_not_allowed', 'the requested audience is not allowed', {
      reason: `policy ${match.policy} does not allow ${denied.join(', ')}`,
    });
  }
  return [...new Set(requested)];
}

/** RFC 6749 §3.3: the requested scopes must all be granted; none asked means all the policy grants. */
export function selectScopes(requested: readonly string[] | undefined, match: PolicyMatch): string[] {
  if (requested === undefined) return [...match.scopes];
  const denied = requested.filter((s) => !match.scopes.includes(s));
  if (denied.length > 0) {
    throw new ExchangeError('scope_not_allowed', 'the requested scope is not allowed', {
      reason: `policy ${match.policy} does not allow scope ${denied.join(' ')}`,
    });
  }
  return [...requested];
}
