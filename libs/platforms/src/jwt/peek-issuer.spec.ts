import { describe, expect, it } from 'vitest';
import { unsignedToken } from '../testing/signing-key';
import { peekIssuer } from './peek-issuer';

const b64 = (value: string): string => Buffer.from(value).toString('base64url');

describe('peekIssuer', () => {
  it('returns the unverified iss of a compact JWS', () => {
    expect(peekIssuer(unsignedToken({ alg: 'RS256' }, { iss: 'kubernetes/serviceaccount' }, 'c2ln'))).toBe(
      'kubernetes/serviceaccount',
    );
  });

  it.each([
    ['an empty string', ''],
    ['a single segment', 'abc'],
    ['two segments', `${b64('{"alg":"RS256"}')}.${b64('{"iss":"x"}')}`],
    ['four segments', unsignedToken({ alg: 'RS256' }, { iss: 'x' }, 'c2ln') + '.x'],
    ['a compact JWE', `${b64('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.a.b.c.d`],
    ['a JWE header in three segments', unsignedToken({ alg: 'dir', enc: 'A256GCM' }, { iss: 'x' }, 'c2ln')],
    ['a header without alg', unsignedToken({ typ: 'JWT' }, { iss: 'x' }, 'c2ln')],
    ['bad base64url', `${b64('{"alg":"RS256"}')}.***.c2ln`],
    ['a payload that is not JSON', `${b64('{"alg":"RS256"}')}.${b64('not json')}.c2ln`],
    ['a payload that is a JSON array', `${b64('{"alg":"RS256"}')}.${b64('["iss"]')}.c2ln`],
    ['no iss', unsignedToken({ alg: 'RS256' }, { sub: 'x' }, 'c2ln')],
    ['a numeric iss', unsignedToken({ alg: 'RS256' }, { iss: 42 }, 'c2ln')],
    ['an empty iss', unsignedToken({ alg: 'RS256' }, { iss: '' }, 'c2ln')],
  ])('refuses %s as malformed', (_name, token) => {
    expect(() => peekIssuer(token)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
