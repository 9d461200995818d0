import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { unwrapPrivateKey, wrapPrivateKey } from './key-wrap';

describe('wrapPrivateKey / unwrapPrivateKey', () => {
  const kek = randomBytes(32);
  const secret = randomBytes(138);

  it('round-trips and never stores the plaintext', () => {
    const wrapped = wrapPrivateKey(kek, secret, 'kid-1');
    expect(wrapped.includes(secret)).toBe(false);
    expect(unwrapPrivateKey(kek, wrapped, 'kid-1')).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(wrapPrivateKey(kek, secret)).not.toEqual(wrapPrivateKey(kek, secret));
  });

  it('refuses another key-encryption key, naming the setting and not the key', () => {
    const other = randomBytes(32);
    const wrapped = wrapPrivateKey(kek, secret, 'kid-1');
    const error = captureError(() => unwrapPrivateKey(other, wrapped, 'kid-1'));
    expect(error).toMatchObject({ name: 'MintingError', code: 'kek_mismatch' });
    expect(error.message).toContain('FEDBROKER_KEY_ENCRYPTION_KEY');
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      expect(error.message).not.toContain(other.toString(encoding));
      expect(error.message).not.toContain(kek.toString(encoding));
    }
  });

  it('binds the kid: a wrapped key moved to another kid does not unwrap', () => {
    const wrapped = wrapPrivateKey(kek, secret, 'kid-1');
    expect(() => unwrapPrivateKey(kek, wrapped, 'kid-2')).toThrow(/kid-2 cannot be unwrapped/);
  });

  it.each([
    ['a short kek', () => wrapPrivateKey(randomBytes(16), secret), 'invalid_kek'],
    ['an unknown version', () => unwrapPrivateKey(kek, Buffer.alloc(64, 9)), 'invalid_wrapped_key'],
    ['a truncated blob', () => unwrapPrivateKey(kek, Buffer.of(1, 2, 3)), 'invalid_wrapped_key'],
  ])('refuses %s', (_name, act, code) => {
    expect(captureError(act)).toMatchObject({ code });
  });
});

function captureError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error');
}
