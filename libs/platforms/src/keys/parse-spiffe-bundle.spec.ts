import { describe, expect, it } from 'vitest';
import { KeySourceError } from './key-source-error';
import { isSpiffeBundle, jwtSvidKeys, parseSpiffeBundle } from './parse-spiffe-bundle';

const URL = 'https://spire.example.org:8443/';
const EC = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
const JWT_KEY = { use: 'jwt-svid', ...EC, kid: 'jwt-1' };
const X509_KEY = { use: 'x509-svid', ...EC, x5c: ['MIIB'] };

describe('parseSpiffeBundle', () => {
  it('keeps the jwt-svid keys with a kid, as signature keys, and reads the hint and sequence', () => {
    const bundle = {
      keys: [
        X509_KEY,
        JWT_KEY,
        { use: 'jwt-svid', ...EC },
        { ...EC, kid: 'no-use' },
        { use: 'sig', ...EC, kid: 's' },
      ],
      spiffe_refresh_hint: 300,
      spiffe_sequence: 12,
    };
    expect(parseSpiffeBundle(bundle, URL)).toEqual({
      jwks: { keys: [{ ...JWT_KEY, use: 'sig' }] },
      refreshAfterMs: 300_000,
      sequence: 12,
    });
  });

  it.each([
    ['no hint: the resolver default applies', {}, undefined],
    ['a hint of 0, raised to 30 s', { spiffe_refresh_hint: 0 }, 30_000],
    ['a hint under 30 s, raised to 30 s', { spiffe_refresh_hint: 5 }, 30_000],
    ['an hour', { spiffe_refresh_hint: 3600 }, 3_600_000],
  ])('refresh interval for %s', (_name, members, refreshAfterMs) => {
    expect(parseSpiffeBundle({ keys: [JWT_KEY], ...members }, URL).refreshAfterMs).toBe(refreshAfterMs);
  });

  it.each([
    ['not a JWK Set', { spiffe_sequence: 1 }, 'not a JWK Set'],
    ['a key without kty', { keys: [{ use: 'jwt-svid', kid: 'k' }] }, 'not a JWK Set'],
    ['a negative hint', { keys: [], spiffe_refresh_hint: -1 }, 'spiffe_refresh_hint'],
    ['a string hint', { keys: [], spiffe_refresh_hint: '300' }, 'spiffe_refresh_hint'],
    ['a negative sequence', { keys: [], spiffe_sequence: -1 }, 'spiffe_sequence'],
    ['a fractional sequence', { keys: [], spiffe_sequence: 1.5 }, 'spiffe_sequence'],
    ['a string sequence', { keys: [], spiffe_sequence: '2' }, 'spiffe_sequence'],
  ])('refuses %s', (_name, document, words) => {
    expect(() => parseSpiffeBundle(document, URL)).toThrow(KeySourceError);
    expect(() => parseSpiffeBundle(document, URL)).toThrow(words);
  });
});

describe('isSpiffeBundle and jwtSvidKeys', () => {
  it.each([
    [[JWT_KEY], true],
    [[X509_KEY], true],
    [[{ ...EC, kid: 'k', use: 'sig' }], false],
    [[{ ...EC, kid: 'k' }], false],
    [[], false],
  ])('%j is a SPIFFE bundle: %s', (keys, bundle) => {
    expect(isSpiffeBundle({ keys })).toBe(bundle);
  });

  it('never hands on an X.509 authority, even one with a kid', () => {
    expect(jwtSvidKeys([{ ...X509_KEY, kid: 'ca' }, JWT_KEY])).toEqual([{ ...JWT_KEY, use: 'sig' }]);
  });
});
