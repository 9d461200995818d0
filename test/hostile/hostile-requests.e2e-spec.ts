import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf } from '../support/broker-harness';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { expectRefusal, type Refusal } from './support/expect-refusal';
import { API, KINDS, startHostileWorld, type HostileWorld } from './support/hostile-world';

const FORM = 'application/x-www-form-urlencoded';
const INVALID_REQUEST: Refusal = { status: 400, error: 'invalid_request', code: 'malformed_request' };

describe('hostile requests at POST /token', () => {
  let world: HostileWorld;
  let token: string;

  beforeAll(async () => {
    world = await startHostileWorld();
    token = await world.mint('kubernetes');
  });

  afterAll(async () => {
    await world.close();
  });

  const exchange = (extra: Record<string, string | string[]> = {}) =>
    formOf({
      grant_type: TOKEN_EXCHANGE,
      subject_token: token,
      subject_token_type: JWT_TYPE,
      ...extra,
    }).toString();

  it.each(KINDS)(
    'a valid %s credential is exchanged, so every refusal below is the check it names',
    async (kind) => {
      const outcome = await world.send({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: formOf({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await world.mint(kind),
          subject_token_type: JWT_TYPE,
        }),
      });
      expect(outcome.status, JSON.stringify(outcome)).toBe(200);
      expect(outcome.events).toMatchObject([{ outcome: 'issued' }]);
    },
  );

  it.each<[string, () => RequestInit, Refusal]>([
    [
      'GET',
      () => ({ method: 'GET' }),
      { status: 405, error: 'invalid_request', code: 'method_not_allowed', reason: /GET/ },
    ],
    [
      'PUT',
      () => ({ method: 'PUT', headers: { 'content-type': FORM }, body: exchange() }),
      { status: 405, error: 'invalid_request', code: 'method_not_allowed', reason: /PUT/ },
    ],
    [
      'DELETE',
      () => ({ method: 'DELETE' }),
      { status: 405, error: 'invalid_request', code: 'method_not_allowed', reason: /DELETE/ },
    ],
    [
      'PATCH',
      () => ({ method: 'PATCH', headers: { 'content-type': FORM }, body: exchange() }),
      { status: 405, error: 'invalid_request', code: 'method_not_allowed', reason: /PATCH/ },
    ],
    [
      'OPTIONS',
      () => ({ method: 'OPTIONS' }),
      { status: 405, error: 'invalid_request', code: 'method_not_allowed', reason: /OPTIONS/ },
    ],
    [
      'a JSON body with the right parameters',
      () => ({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: TOKEN_EXCHANGE,
          subject_token: token,
          subject_token_type: JWT_TYPE,
        }),
      }),
      { ...INVALID_REQUEST, reason: /content type|x-www-form-urlencoded/ },
    ],
    [
      'a text/plain body',
      () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: exchange() }),
      { ...INVALID_REQUEST, reason: /content type|x-www-form-urlencoded/ },
    ],
    [
      'an XML body',
      () => ({ method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<grant/>' }),
      { ...INVALID_REQUEST, reason: /content type|x-www-form-urlencoded/ },
    ],
    [
      'a multipart body',
      () => {
        const form = new FormData();
        form.set('grant_type', TOKEN_EXCHANGE);
        return { method: 'POST', body: form };
      },
      { ...INVALID_REQUEST, reason: /content type|x-www-form-urlencoded/ },
    ],
    [
      'no body at all',
      () => ({ method: 'POST' }),
      { ...INVALID_REQUEST, reason: /content type|x-www-form-urlencoded/ },
    ],
    [
      'a nested-form subject_token[jwt]',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: `grant_type=${encodeURIComponent(TOKEN_EXCHANGE)}&subject_token[jwt]=${token}&subject_token_type=${encodeURIComponent(JWT_TYPE)}`,
      }),
      { ...INVALID_REQUEST, reason: /subject_token is required/ },
    ],
    [
      'a grant_type[] array',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: `grant_type[]=${encodeURIComponent(TOKEN_EXCHANGE)}`,
      }),
      { ...INVALID_REQUEST, reason: /grant_type is required/ },
    ],
    [
      'a repeated grant_type',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: `${exchange()}&grant_type=${encodeURIComponent(JWT_BEARER)}`,
      }),
      { ...INVALID_REQUEST, reason: /grant_type must not repeat/ },
    ],
    [
      'a repeated subject_token',
      () => ({ method: 'POST', headers: { 'content-type': FORM }, body: `${exchange()}&subject_token=x` }),
      { ...INVALID_REQUEST, reason: /subject_token must not repeat/ },
    ],
    [
      'a repeated scope',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: exchange({ scope: ['read', 'read'] }),
      }),
      { ...INVALID_REQUEST, reason: /scope must not repeat/ },
    ],
    [
      'an empty subject_token',
      () => ({ method: 'POST', headers: { 'content-type': FORM }, body: exchange({ subject_token: '' }) }),
      { ...INVALID_REQUEST, reason: /subject_token is required/ },
    ],
    [
      'an empty grant_type',
      () => ({ method: 'POST', headers: { 'content-type': FORM }, body: exchange({ grant_type: '' }) }),
      { ...INVALID_REQUEST, reason: /grant_type is required/ },
    ],
    [
      'a parameter without a name',
      () => ({ method: 'POST', headers: { 'content-type': FORM }, body: `=x&${exchange()}` }),
      { ...INVALID_REQUEST, reason: /without a name/ },
    ],
    [
      'a scope with a quote in it',
      () => ({ method: 'POST', headers: { 'content-type': FORM }, body: exchange({ scope: 'read "x' }) }),
      { ...INVALID_REQUEST, reason: /scope/ },
    ],
    [
      'a subject_token over 16 KiB',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: exchange({ subject_token: `${token}${'A'.repeat(16 * 1024)}` }),
      }),
      { ...INVALID_REQUEST, reason: /larger than 16384 bytes/ },
    ],
    [
      'a client_assertion over 16 KiB',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: formOf({
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION,
          client_assertion: 'e'.repeat(17 * 1024),
        }).toString(),
      }),
      { status: 400, error: 'invalid_request', code: 'malformed_request', reason: /larger than 16384 bytes/ },
    ],
    [
      'a body over 64 KiB',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: exchange({ audience: 'a'.repeat(65 * 1024) }),
      }),
      { status: 413, error: 'invalid_request', code: 'body_too_large' },
    ],
    [
      'a chunked body over 64 KiB (no Content-Length to refuse it by)',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        duplex: 'half',
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 70; i += 1)
              controller.enqueue(new TextEncoder().encode(`a${i}=${'x'.repeat(1020)}&`));
            controller.close();
          },
        }),
      }),
      { status: 413, error: 'invalid_request', code: 'body_too_large' },
    ],
    [
      'a subject_token that is not UTF-8 once decoded',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: exchange().replace(/subject_token=[^&]*/, 'subject_token=%FF%FE%FD'),
      }),
      { ...INVALID_REQUEST, code: 'credential_rejected', reason: /compact JWS|malformed/ },
    ],
    [
      'an unknown grant',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: 'grant_type=password&username=a&password=b',
      }),
      { status: 400, error: 'unsupported_grant_type', code: 'unsupported_grant_type' },
    ],
    [
      'an unsupported subject_token_type',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: exchange({ subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
      }),
      { status: 400, error: 'invalid_request', code: 'unsupported_token_type' },
    ],
    [
      'a client_id that is not the assertion’s sub',
      () => ({
        method: 'POST',
        headers: { 'content-type': FORM },
        body: formOf({
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION,
          client_assertion: token,
          client_id: 'someone-else',
          audience: API,
        }).toString(),
      }),
      { status: 401, error: 'invalid_client', code: 'client_mismatch', reason: /client_id "?someone-else/ },
    ],
  ])('%s is refused and audited', async (_name, request, refusal) => {
    expectRefusal(await world.send(request()), refusal);
  });
});
