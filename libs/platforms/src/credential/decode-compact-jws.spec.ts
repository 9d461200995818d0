import { describe, expect, it } from 'vitest';
import { createSigningKey, signToken } from '../testing/signing-key';
import { decodeCompactJws, isCanonicalBase64url } from './decode-compact-jws';
import type { VerificationError } from '../errors/verification-error';
import { presentCredential } from './present-credential';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('decodeCompactJws', () => {
  it('decodes the header and claims of a compact JWS without verifying it', async () => {
    const key = await createSigningKey('ES256', 'k');
    const token = await signToken(key, { iss: 'https://issuer.example', sub: 'w' });
    expect(decodeCompactJws(token)).toEqual({
      header: { alg: 'ES256', kid: 'k' },
      claims: { iss: 'https://issuer.example', sub: 'w' },
    });
  });

  it('refuses a signature carrying base64 padding, so a token has one spelling (RFC 7515 §2)', async () => {
    const key = await createSigningKey('RS256', 'k');
    const token = await signToken(key, { iss: 'https://issuer.example' });
    expect(token.length % 4).not.toBe(0);
    const padded = `${token}${'='.repeat(4 - (token.length % 4))}`;
    expect(() => decodeCompactJws(padded)).toThrow(/canonical base64url/);
  });

  it.each([
    ['two parts', `${b64({ alg: 'ES256' })}.${b64({})}`],
    ['five parts (JWE)', 'a.b.c.d.e'],
    ['JSON serialization', JSON.stringify({ payload: b64({}), signatures: [] })],
    ['an enc header (JWE)', `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${b64({})}.c2ln`],
    ['a header without alg', `${b64({ kid: 'k' })}.${b64({})}.c2ln`],
    [
      'an unencoded payload (b64: false)',
      `${b64({ alg: 'ES256', b64: false, crit: ['b64'] })}.${b64({})}.c2ln`,
    ],
    ['a payload that is not an object', `${b64({ alg: 'ES256' })}.${b64([1])}.c2ln`],
    [
      'a nested JWT payload',
      `${b64({ alg: 'ES256', cty: 'JWT' })}.${Buffer.from('a.b.c').toString('base64url')}.c2ln`,
    ],
    ['standard base64 characters', `${b64({ alg: 'ES256' })}.${b64({})}.ab+/`],
    [
      'invalid UTF-8 in the payload',
      `${b64({ alg: 'ES256' })}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`,
    ],
    [
      'a header naming alg twice (RFC 7515 §5.2)',
      `${Buffer.from('{"alg":"ES256","alg":"none"}').toString('base64url')}.${b64({})}.c2ln`,
    ],
    [
      'a payload naming sub twice',
      `${b64({ alg: 'ES256' })}.${Buffer.from('{"sub":"a","sub":"b"}').toString('base64url')}.c2ln`,
    ],
    [
      'a payload with a duplicate nested member',
      `${b64({ alg: 'ES256' })}.${Buffer.from('{"k":{"ns":"a","ns":"b"}}').toString('base64url')}.c2ln`,
    ],
  ])('refuses %s as malformed, telling the client which shape is wrong', (_name, token) => {
    let refusal: unknown;
    try {
      decodeCompactJws(token);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'malformed' });
    const { message, publicDetail } = refusal as VerificationError;
    expect(publicDetail).toBe(message);
    expect(message).toMatch(/^(the JWS|the credential|unencoded)/);
  });

  it.each([
    ['c2ln', true],
    ['c2k', true],
    ['c2l', false],
    ['c2k=', false],
    ['a', false],
  ])('isCanonicalBase64url(%s) is %s', (segment, canonical) => {
    expect(isCanonicalBase64url(segment)).toBe(canonical);
  });

  it('refuses a credential over 16 KiB before decoding it', () => {
    expect(() => presentCredential('a'.repeat(16 * 1024 + 1), 'urn:x', true)).toThrow(/too long/);
  });

  it('does not decode a credential presented as a non-JWT type', () => {
    expect(presentCredential('{"document":"…"}', 'urn:x', false).jwt).toBeUndefined();
  });
});
