import { describe, expect, it } from 'vitest';
import { missingClaim, VerificationError } from '@fedbroker/platforms';
import { describeVerificationError } from './describe-verification-error';

describe('describeVerificationError', () => {
  it.each([
    [
      'the category and the detail the client may see',
      new VerificationError('expired', 'the token has expired: exp …', {
        publicDetail: 'exp 2026-01-01T00:00:00Z',
      }),
      'the credential has expired: exp 2026-01-01T00:00:00Z',
    ],
    ['the name of a missing claim', missingClaim('sub'), 'the credential lacks a required claim: "sub"'],
    [
      'the category alone when the reason holds token contents',
      new VerificationError('key_not_found', 'no key of the platform matches the token: kid "k"'),
      'the credential signing key is unknown',
    ],
    [
      'that the signature does not verify, apart from an unknown key',
      new VerificationError('signature_invalid'),
      'the credential signature does not verify',
    ],
    [
      'the category alone for an untrusted issuer, never the issuer',
      new VerificationError('issuer_not_trusted', 'no registered platform answers to ["iss https://x"]'),
      'the credential issuer is not trusted',
    ],
  ])('tells the client %s', (_name, error, described) => {
    expect(describeVerificationError(error)).toBe(described);
  });
});
