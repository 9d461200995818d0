import { describe, expect, it } from 'vitest';
import type { PresentedCredential } from '@fedbroker/platforms';
import { MAX_UNVERIFIED_LENGTH, readUnverified } from './read-unverified';

function presented(claims: Record<string, unknown> | undefined): PresentedCredential {
  return {
    token: 'x',
    type: 'urn:ietf:params:oauth:token-type:jwt',
    jwt: claims === undefined ? undefined : { header: { alg: 'ES256' }, claims },
  };
}

describe('readUnverified', () => {
  it.each([
    [
      'iss, sub and jti as the JWT claims them',
      { iss: 'https://stranger.example', sub: 'system:serviceaccount:a:b', jti: 'j-1', aud: 'x' },
      { issuer: 'https://stranger.example', subject: 'system:serviceaccount:a:b', tokenId: 'j-1' },
    ],
    ['only what is there', { sub: 'w' }, { subject: 'w' }],
    ['a value that is no string, as JSON', { iss: 42, sub: { a: 1 } }, { issuer: '42', subject: '{"a":1}' }],
    ['nothing from a JWT that claims none of them', { aud: 'x' }, undefined],
    ['nothing from a credential that is not a JWT', undefined, undefined],
  ])('reads %s', (_name, claims, expected) => {
    expect(readUnverified(presented(claims))).toEqual(expected);
  });

  it('bounds every value', () => {
    const read = readUnverified(presented({ iss: 'i'.repeat(20_000), jti: ['j'.repeat(20_000)] }));
    expect(read?.issuer).toHaveLength(MAX_UNVERIFIED_LENGTH);
    expect(read?.tokenId).toHaveLength(MAX_UNVERIFIED_LENGTH);
  });

  it('reads nothing when the credential did not decode', () => {
    expect(readUnverified(undefined)).toBeUndefined();
  });
});
