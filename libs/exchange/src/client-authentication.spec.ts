import { describe, expect, it } from 'vitest';
import { refuseUnsupportedClientAuthentication } from './client-authentication';
import { ExchangeError } from './exchange.error';
import { GRANTS, type Grant } from './grants';
import { parseTokenForm } from './token-form';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CLIENT_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SECRET = 'correct-horse-battery-staple';

function refusal(body: string, grantType: string, scheme?: string): ExchangeError | undefined {
  const grant: Grant | undefined = GRANTS.get(grantType);
  try {
    refuseUnsupportedClientAuthentication(parseTokenForm(body), grant, scheme);
    return undefined;
  } catch (error) {
    if (error instanceof ExchangeError) return error;
    throw error;
  }
}

const assertion = `client_assertion_type=${encodeURIComponent(CLIENT_ASSERTION)}&client_assertion=a.b.c`;

describe('refuseUnsupportedClientAuthentication', () => {
  it.each<[string, string, string]>([
    ['a client assertion with client_credentials', 'client_credentials', assertion],
    ['a client_id alone with the jwt-bearer grant', JWT_BEARER, 'client_id=abc'],
    ['a client_id alone with token exchange', TOKEN_EXCHANGE, 'client_id=abc'],
    ['an empty client_secret, which counts as absent (RFC 6749 §3.1)', JWT_BEARER, 'client_secret='],
    ['client_credentials without client authentication, left to the grant', 'client_credentials', ''],
  ])('lets %s through', (_name, grantType, body) => {
    expect(refusal(body, grantType)).toBeUndefined();
  });

  it.each([
    ['Bearer', 'Bearer'],
    ['an unknown scheme', 'X-Custom'],
    ['no scheme', ''],
  ])('leaves an Authorization header of %s alone: it authenticates no client here', (_name, scheme) => {
    expect(refusal('', JWT_BEARER, scheme)).toBeUndefined();
    expect(refusal(assertion, 'client_credentials', scheme)).toBeUndefined();
  });

  it('knows HTTP Basic whatever the case of its name', () => {
    expect(refusal('', JWT_BEARER, 'bASIC')?.code).toBe('unsupported_client_authentication');
  });

  it.each<[string, string, string, string | undefined, RegExp]>([
    [
      'an Authorization header',
      JWT_BEARER,
      '',
      'Basic',
      /^client authentication by the Authorization header \(Basic\) is not supported/,
    ],
    [
      'an Authorization header with an unknown grant_type',
      'password',
      'username=a&password=b',
      'Basic',
      /Authorization header/,
    ],
    [
      'a client_secret',
      'client_credentials',
      `client_id=abc&client_secret=${SECRET}`,
      undefined,
      /^client authentication by client_secret is not supported/,
    ],
    [
      'a client_secret with token exchange',
      TOKEN_EXCHANGE,
      `client_secret=${SECRET}`,
      undefined,
      /client_secret/,
    ],
    [
      'a client assertion with the jwt-bearer grant',
      JWT_BEARER,
      assertion,
      undefined,
      /^client authentication by client_assertion is not supported with this grant_type/,
    ],
    ['a client assertion with token exchange', TOKEN_EXCHANGE, assertion, undefined, /client_assertion/],
    [
      'a client_assertion_type alone with the jwt-bearer grant',
      JWT_BEARER,
      `client_assertion_type=${encodeURIComponent(CLIENT_ASSERTION)}`,
      undefined,
      /client_assertion/,
    ],
    [
      'an Authorization header and a client assertion',
      'client_credentials',
      assertion,
      'Basic',
      /^more than one client authentication method \(the Authorization header, client_assertion\)/,
    ],
    [
      'a client_secret and a client assertion',
      'client_credentials',
      `${assertion}&client_secret=${SECRET}`,
      undefined,
      /^more than one client authentication method \(client_secret, client_assertion\)/,
    ],
    [
      'an Authorization header and a client_secret',
      JWT_BEARER,
      `client_secret=${SECRET}`,
      'Basic',
      /^more than one client authentication method \(the Authorization header, client_secret\)/,
    ],
  ])('refuses %s as unsupported_client_authentication', (_name, grantType, body, scheme, message) => {
    const error = refusal(body, grantType, scheme);
    expect(error?.code).toBe('unsupported_client_authentication');
    expect(error?.message).toMatch(message);
    expect(`${error?.message} ${error?.reason}`).not.toContain(SECRET);
  });

  it('names the scheme and the grant in the reason the audit event keeps', () => {
    expect(refusal('', JWT_BEARER, 'Basic')?.reason).toBe(
      'client authentication by the Authorization header (Basic), which the broker does not support',
    );
    expect(refusal(assertion, JWT_BEARER)?.reason).toBe(
      `a client assertion with grant_type "${JWT_BEARER}", which authenticates no client`,
    );
    expect(refusal(`${assertion}&client_secret=${SECRET}`, 'client_credentials', 'Basic')?.reason).toBe(
      'the client authenticated by the Authorization header (Basic) and client_secret and client_assertion at once',
    );
  });

  it('leaves a client assertion with an unknown grant_type to the grant_type check', () => {
    expect(refusal(assertion, 'password')).toBeUndefined();
  });
});
