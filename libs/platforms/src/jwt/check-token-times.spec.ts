import { describe, expect, it } from 'vitest';
import { checkTokenTimes } from './check-token-times';

const NOW = 1_767_225_600;
const now = new Date(NOW * 1000);

describe('checkTokenTimes', () => {
  it.each([
    [
      'a missing exp names the claim',
      { iat: NOW },
      { code: 'missing_claim', message: 'the "exp" claim is missing', publicDetail: '"exp"' },
    ],
    [
      'an iat in the future names it and the clock with its skew',
      { iat: NOW + 61, exp: NOW + 300 },
      {
        code: 'issued_in_future',
        message:
          'the token was issued in the future: iat 2026-01-01T00:01:01Z (1767225661) is after now 2026-01-01T00:00:00Z (clock skew 60 s)',
        publicDetail:
          'iat 2026-01-01T00:01:01Z (1767225661) is after now 2026-01-01T00:00:00Z (clock skew 60 s)',
      },
    ],
    [
      'a lifetime over the cap names the lifetime, how it was measured and the cap',
      { iat: NOW, exp: NOW + 3601 },
      {
        code: 'lifetime_too_long',
        message:
          "the token's lifetime exceeds the platform's limit: exp - iat is 3601 s, over the cap of 3600 s (exp 2026-01-01T01:00:01Z (1767229201))",
      },
    ],
    [
      'a lifetime without iat is measured from nbf',
      { nbf: NOW - 10, exp: NOW + 3591 },
      { code: 'lifetime_too_long', publicDetail: expect.stringContaining('exp - nbf is 3601 s') as unknown },
    ],
    [
      'a lifetime without iat or nbf is measured from now',
      { exp: NOW + 3601 },
      { code: 'lifetime_too_long', publicDetail: expect.stringContaining('exp - now is 3601 s') as unknown },
    ],
  ])('refuses: %s', (_name, claims, refusal) => {
    expect(() => checkTokenTimes(claims, now, 60, 3600)).toThrow(expect.objectContaining(refusal));
  });

  it('returns the times of a token within bounds', () => {
    expect(checkTokenTimes({ iat: NOW, nbf: NOW, exp: NOW + 60 }, now, 60, 3600)).toEqual({
      expiresAt: NOW + 60,
      issuedAt: NOW,
      notBefore: NOW,
    });
  });
});
