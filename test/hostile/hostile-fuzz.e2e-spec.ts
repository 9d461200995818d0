import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/broker-harness';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { b64, serviceAccountClaims, sign, signSegments } from './support/jws-forge';
import { BROKER_AUDIENCE, FORGE_ISSUER, startHostileWorld, type HostileWorld } from './support/hostile-world';

/** Bounded so that the whole property suite stays within seconds; a failure prints its seed. */
const RUNS = { numRuns: 60 };

const PARAMETERS = [
  'grant_type',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'assertion',
  'client_assertion',
  'client_assertion_type',
  'client_id',
  'audience',
  'resource',
  'scope',
];
const VALUES = [TOKEN_EXCHANGE, JWT_BEARER, JWT_TYPE, CLIENT_ASSERTION, 'client_credentials', 'read', ''];

describe('property: hostile input never makes a 5xx, and every /token request is audited once', () => {
  let world: HostileWorld;
  let valid: string;

  beforeAll(async () => {
    world = await startHostileWorld();
    valid = sign(world.keys.ec, serviceAccountClaims(FORGE_ISSUER, BROKER_AUDIENCE, world.clock.now()));
  });

  afterAll(async () => {
    await world.close();
  });

  async function expectAuditedOnce(init: RequestInit): Promise<void> {
    const outcome = await world.send(init);
    expect(outcome.status, JSON.stringify(outcome)).toBeLessThan(500);
    expect(outcome.events, JSON.stringify(outcome)).toHaveLength(1);
    expect(outcome.events[0]?.outcome).toBe(outcome.status === 200 ? 'issued' : 'denied');
  }

  it('over form bodies made of known and unknown parameters, repeated or not', async () => {
    const parameter = fc.tuple(
      fc.oneof(fc.constantFrom(...PARAMETERS), fc.string({ maxLength: 12 })),
      fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 40 }), fc.constant('VALID')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(parameter, { maxLength: 8 }), async (pairs) => {
        const form = new URLSearchParams();
        for (const [name, value] of pairs) form.append(name, value === 'VALID' ? valid : value);
        await expectAuditedOnce({ method: 'POST', body: form });
      }),
      RUNS,
    );
  });

  it('over raw bodies of any bytes under any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'text/plain',
          'application/octet-stream',
          'multipart/form-data; boundary=x',
        ),
        async (bytes, contentType) => {
          await expectAuditedOnce({ method: 'POST', headers: { 'content-type': contentType }, body: bytes });
        },
      ),
      RUNS,
    );
  });

  it('over tokens whose header and payload are any JSON, correctly signed by a trusted key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }),
        fc.jsonValue({ maxDepth: 3 }),
        async (header, payload) => {
          const headerObject =
            typeof header === 'object' && header !== null && !Array.isArray(header)
              ? { alg: 'ES256', kid: 'ec', ...header }
              : header;
          const token = signSegments(world.keys.ec, b64(headerObject), b64(payload));
          await expectAuditedOnce({
            method: 'POST',
            body: new URLSearchParams({
              grant_type: TOKEN_EXCHANGE,
              subject_token: token,
              subject_token_type: JWT_TYPE,
            }),
          });
        },
      ),
      RUNS,
    );
  });

  it('over tokens made of arbitrary dot-separated segments', async () => {
    const segment = fc.oneof(
      fc.base64String({ maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      fc.constant(valid.split('.')[1] ?? ''),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), async (segments) => {
        await expectAuditedOnce({
          method: 'POST',
          body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: segments.join('.') }),
        });
      }),
      RUNS,
    );
  });

  it('over every admin body: any JSON, and objects with the members each resource knows', async () => {
    const member = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 20 }),
      fc.constant('kubernetes'),
    );
    const shaped = fc.dictionary(
      fc.constantFrom(
        'name',
        'kind',
        'issuer',
        'jwks',
        'audiences',
        'settings',
        'platform',
        'condition',
        'subject',
        'scopes',
        'ttlSeconds',
        'claims',
        'tests',
        'token',
        'role',
        'platforms',
        'policies',
        'activateAfterSeconds',
        'enabled',
        'oneTimeUse',
      ),
      member,
      { maxKeys: 8 },
    );
    const target = fc.constantFrom(
      ['POST', '/admin/v1/platforms'],
      ['POST', '/admin/v1/policies'],
      ['POST', '/admin/v1/explain'],
      ['POST', '/admin/v1/apply'],
      ['POST', '/admin/v1/credentials'],
      ['POST', '/admin/v1/signing-keys/rotate'],
      ['POST', '/admin/v1/policies/forge-anything/test'],
      ['PUT', '/admin/v1/platforms/fuzz-target'],
      ['PUT', '/admin/v1/policies/fuzz-target'],
      ['PATCH', '/admin/v1/platforms/fuzz-target'],
      ['PATCH', '/admin/v1/policies/fuzz-target'],
    );
    await fc.assert(
      fc.asyncProperty(
        target,
        fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 })),
        async ([method, path], body) => {
          const response = await fetch(`${world.broker.url}${path ?? ''}`, {
            method,
            headers: {
              authorization: `Bearer ${ADMIN_TOKEN}`,
              'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
              'if-match': '"1"',
            },
            body: JSON.stringify(body),
          });
          const text = await response.text();
          expect(response.status, `${method} ${path} ${JSON.stringify(body)} → ${text}`).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });
});
