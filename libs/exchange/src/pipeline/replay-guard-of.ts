import type { ReplayGuardClaim } from '@fedbroker/audit';
import { ExchangeError } from '../exchange.error';
import type { ExchangeState } from './exchange-state';

/**
 * The replay key to claim with the issued event when one-time use applies: the winning policy's
 * choice, else its platform's. The key is kept until the credential could no longer be accepted
 * anyway: its expiry plus the platform's clock skew.
 */
export function replayGuardOf(state: ExchangeState): ReplayGuardClaim | undefined {
  const { subject, match } = state;
  if (subject === undefined || !(match?.oneTimeUse ?? subject.platform.oneTimeUse ?? false)) return undefined;
  if (subject.credential.replayKey === '') {
    throw new ExchangeError('credential_rejected', 'the credential cannot be used once only', {
      reason: 'one-time use is on and the credential has no replay key',
    });
  }
  return {
    key: subject.credential.replayKey,
    expiresAt: new Date((subject.credential.expiresAt + subject.platform.clockSkewSeconds) * 1000),
  };
}
