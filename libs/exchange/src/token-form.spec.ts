import { describe, expect, it } from 'vitest';
import { ExchangeError } from './exchange.error';
import {
  MAX_TOKEN_BYTES,
  listParam,
  optionalParam,
  parseTokenForm,
  scopeParam,
  tokenParam,
} from './token-form';

describe('parseTokenForm', () => {
  it('decodes form encoding', () => {
    const form = parseTokenForm('grant_type=client_credentials&scope=a+b%20c&audience=x&audience=y');
    expect(optionalParam(form, 'grant_type')).toBe('client_credentials');
    expect(scopeParam(form)).toEqual(['a', 'b', 'c']);
    expect(listParam(form, 'audience')).toEqual(['x', 'y']);
  });

  it.each(['grant_type', 'subject_token', 'scope', 'client_id', 'actor_token'])(
    'refuses %s given twice (RFC 6749 §3.2)',
    (name) => {
      expect(() => parseTokenForm(`${name}=a&${name}=b`)).toThrow(`the parameter ${name} must not repeat`);
    },
  );

  it.each(['audience', 'resource'])('lets %s repeat (RFC 8693 §2.1)', (name) => {
    expect(listParam(parseTokenForm(`${name}=a&${name}=b`), name)).toEqual(['a', 'b']);
  });

  it('refuses a parameter without a name', () => {
    expect(() => parseTokenForm('=x')).toThrow(ExchangeError);
  });

  it('treats an empty value as absent (RFC 6749 §3.1)', () => {
    expect(optionalParam(parseTokenForm('scope='), 'scope')).toBeUndefined();
  });
});

describe('tokenParam', () => {
  it('refuses a token over the cap before anything decodes it', () => {
    const form = parseTokenForm(`subject_token=${'a'.repeat(MAX_TOKEN_BYTES + 1)}`);
    expect(() => tokenParam(form, 'subject_token')).toThrow(/larger than 16384 bytes/);
  });

  it('accepts a token at the cap', () => {
    const form = parseTokenForm(`subject_token=${'a'.repeat(MAX_TOKEN_BYTES)}`);
    expect(tokenParam(form, 'subject_token')).toHaveLength(MAX_TOKEN_BYTES);
  });
});

describe('scopeParam', () => {
  it('is undefined when no scope is sent', () => {
    expect(scopeParam(parseTokenForm('a=b'))).toBeUndefined();
  });

  it('drops repeated scope tokens', () => {
    expect(scopeParam(parseTokenForm('scope=a%20a%20b'))).toEqual(['a', 'b']);
  });

  it.each(['a"b', 'a\\b', 'caf\u00e9'])('refuses the malformed scope %j', (scope) => {
    expect(() => scopeParam(parseTokenForm(new URLSearchParams({ scope }).toString()))).toThrow(/scope/);
  });
});
