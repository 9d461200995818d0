import type { SigningAlgorithm } from './signing-algorithms';
import type { SigningKeyInfo } from './signing-key.types';

/** When a rotation is due without anyone asking for it. */
export interface RotationRule {
  /** The current key has signed this long (`FEDBROKER_KEY_ROTATION_DAYS`); unset: never for age. */
  maxAgeSeconds?: number | undefined;
  /** The current key is not of this algorithm (`FEDBROKER_SIGNING_ALG` changed); unset: never. */
  algorithm?: SigningAlgorithm | undefined;
}

/**
 * Whether `keys` call for a rotation at `now` under `rule`, and why. Never while a key is pending:
 * that rotation is already under way.
 */
export function rotationDue(
  keys: readonly SigningKeyInfo[],
  rule: RotationRule,
  now: Date,
): 'age' | 'algorithm' | undefined {
  if (keys.some((key) => key.status === 'pending')) return undefined;
  const current = keys.find((key) => key.status === 'current');
  if (current === undefined) return undefined;
  if (rule.algorithm !== undefined && current.alg !== rule.algorithm) return 'algorithm';
  const since = current.activatesAt?.getTime();
  if (rule.maxAgeSeconds !== undefined && since !== undefined) {
    if (now.getTime() - since >= rule.maxAgeSeconds * 1000) return 'age';
  }
  return undefined;
}
