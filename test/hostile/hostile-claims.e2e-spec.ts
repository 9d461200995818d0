import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf } from '../support/broker-harness';
import { JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { expectRefusal, type Refusal } from './support/expect-refusal';
import { claimsOf, serviceAccountClaims, sign, withClaims } from './support/jws-forge';
import {
  API,
  BROKER_AUDIENCE,
  FORGE_ISSUER,
  startHostileWorld,
  type HostileWorld,
} from './support/hostile-world';

const REFUSED = { status: 400, error: 'invalid_request', code: 'credential_rejected' } as const;
const SKEW = 60;
const YEAR_366 = 366 * 24 * 3600;

type Claims = Record<string, unknown>;
/** Changes the claims of a valid forge token issued at `now` (seconds); the suite re-signs them. */
type Edit = (claims: Claims, now: number) => Claims;

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('hostile claims, times, audiences and issuers', () => {
  let world: HostileWorld;

  beforeAll(async () => {
    world = await startHostileWorld();
  });

  afterAll(async () => {
    await world.close();
  });

  const exchange = (subjectToken: string) =>
    world.send({
      method: 'POST',
      body: formOf({ grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: JWT_TYPE }),
    });
  const forged = (edit: Edit): string => {
    const now = Math.floor(world.clock.now().getTime() / 1000);
    return sign(
      world.keys.ec,
      edit(serviceAccountClaims(FORGE_ISSUER, BROKER_AUDIENCE, world.clock.now()), now),
    );
  };
  const without =
    (name: string): Edit =>
    (claims) => {
      const { [name]: _removed, ...rest } = claims;
      return rest;
    };

  it.each<[string, Edit, Refusal]>([
    [
      'a token without exp (taken for a legacy Secret token)',
      without('exp'),
      { ...REFUSED, reason: /legacy|"exp" claim is missing/ },
    ],
    ['a token without iss', without('iss'), { ...REFUSED, reason: /no registered platform|issuer/ }],
    ['a token without sub', without('sub'), { ...REFUSED, reason: /"sub" claim/ }],
    ['a token without aud', without('aud'), { ...REFUSED, reason: /aud/ }],
    [
      'a token without its kubernetes.io claim',
      without('kubernetes.io'),
      { ...REFUSED, reason: /kubernetes\.io/ },
    ],
    [
      'exp as a string',
      (c, now) => ({ ...c, exp: String(now + 600) }),
      { ...REFUSED, reason: /"exp" claim is invalid/ },
    ],
    [
      'exp as an array',
      (c, now) => ({ ...c, exp: [now + 600] }),
      { ...REFUSED, reason: /"exp" claim is invalid/ },
    ],
    [
      'iat as a string',
      (c, now) => ({ ...c, iat: String(now) }),
      { ...REFUSED, reason: /"iat" claim is invalid/ },
    ],
    [
      'exp of 1e20 (an absurd lifetime)',
      (c) => ({ ...c, exp: 1e20 }),
      { ...REFUSED, reason: /lifetime exceeds/ },
    ],
    ['a negative iat', (c) => ({ ...c, iat: -1 }), { ...REFUSED, reason: /lifetime exceeds|iat/ }],
    ['a negative exp', (c) => ({ ...c, exp: -1 }), { ...REFUSED, reason: /expired/ }],
    [
      'exp at exactly now minus the skew',
      (c, now) => ({ ...c, iat: now - 600, nbf: now - 600, exp: now - SKEW }),
      { ...REFUSED, reason: /expired/ },
    ],
    [
      'nbf one second past now plus the skew',
      (c, now) => ({ ...c, nbf: now + SKEW + 1 }),
      { ...REFUSED, reason: /not yet valid|nbf/ },
    ],
    [
      'iat one second past now plus the skew',
      (c, now) => ({ ...c, iat: now + SKEW + 1, nbf: now }),
      { ...REFUSED, reason: /issued in the future|iat/ },
    ],
    [
      'a lifetime one second over the 366-day cap',
      (c, now) => ({ ...c, exp: now + YEAR_366 + 1 }),
      { ...REFUSED, reason: /lifetime exceeds/ },
    ],
    [
      'a lifetime over the cap counted from nbf when iat is absent',
      (c, now) => ({ ...without('iat')(c, now), exp: now + YEAR_366 + 1 }),
      { ...REFUSED, reason: /lifetime exceeds/ },
    ],
    ['aud a nested array', (c) => ({ ...c, aud: [[BROKER_AUDIENCE]] }), { ...REFUSED, reason: /aud/ }],
    ['aud a number', (c) => ({ ...c, aud: 42 }), { ...REFUSED, reason: /aud/ }],
    ['aud empty', (c) => ({ ...c, aud: [] }), { ...REFUSED, reason: /aud/ }],
    [
      'aud with a trailing slash',
      (c) => ({ ...c, aud: [`${BROKER_AUDIENCE}/`] }),
      { ...REFUSED, reason: /audience/ },
    ],
    [
      'aud in another case',
      (c) => ({ ...c, aud: [BROKER_AUDIENCE.toUpperCase()] }),
      { ...REFUSED, reason: /audience/ },
    ],
    [
      'aud on a look-alike host',
      (c) => ({ ...c, aud: ['https://broker.test.evil.example/token'] }),
      { ...REFUSED, reason: /audience/ },
    ],
    [
      'aud with trailing whitespace',
      (c) => ({ ...c, aud: [`${BROKER_AUDIENCE} `] }),
      { ...REFUSED, reason: /audience/ },
    ],
    [
      'aud the resource it wants rather than the broker',
      (c) => ({ ...c, aud: [API] }),
      { ...REFUSED, reason: /audience/ },
    ],
    [
      'the namespace as a number',
      (c) => ({ ...c, 'kubernetes.io': { ...(c['kubernetes.io'] as Claims), namespace: 7 } }),
      { ...REFUSED, reason: /namespace|claim/ },
    ],
    [
      'sub naming another service account',
      (c) => ({ ...c, sub: 'system:serviceaccount:kube-system:admin' }),
      { ...REFUSED, reason: /"sub" claim/ },
    ],
  ])('%s is refused and audited', async (_name, edit, refusal) => {
    expectRefusal(await exchange(forged(edit)), refusal);
  });

  it.each<[string, Edit]>([
    [
      'exp one second inside the skew',
      (c, now) => ({ ...c, iat: now - 600, nbf: now - 600, exp: now - SKEW + 1 }),
    ],
    ['nbf at exactly now plus the skew', (c, now) => ({ ...c, nbf: now + SKEW })],
    ['iat at exactly now plus the skew', (c, now) => ({ ...c, iat: now + SKEW, nbf: now })],
    ['a lifetime of exactly the 366-day cap', (c, now) => ({ ...c, exp: now + YEAR_366 })],
    ['the other default audience, the broker’s issuer', (c) => ({ ...c, aud: ['https://broker.test'] })],
    ['a string aud', (c) => ({ ...c, aud: BROKER_AUDIENCE })],
    ['a claim nested 2,000 arrays deep (a claim bomb under 16 KiB)', (c) => ({ ...c, bomb: nested(2000) })],
    [
      'an object claim of 800 members',
      (c) => ({ ...c, bomb: Object.fromEntries(Array.from({ length: 800 }, (_, i) => [`m${i}`, i])) }),
    ],
    ['a claim of 10,000 characters', (c) => ({ ...c, bomb: 'x'.repeat(10_000) })],
  ])('%s is at the boundary and accepted', async (_name, edit) => {
    const outcome = await exchange(forged(edit));
    expect(outcome.status, JSON.stringify(outcome)).toBe(200);
    expect(outcome.events).toMatchObject([{ outcome: 'issued' }]);
  });

  it.each<[string, (issuer: string) => string]>([
    ['a trailing slash', (issuer) => `${issuer}/`],
    ['another case', (issuer) => issuer.toUpperCase()],
    ['a Cyrillic һ for the h of http (a homoglyph)', (issuer) => issuer.replace('h', '\u04bb')],
    ['a leading space', (issuer) => ` ${issuer}`],
    ['a trailing tab', (issuer) => `${issuer}\t`],
    ['a query string', (issuer) => `${issuer}?x=1`],
  ])('an issuer look-alike with %s finds no platform and fetches nothing', async (_name, lookAlike) => {
    const token = await world.mint('kubernetes');
    const claims = claimsOf(token);
    const fetchesBefore = world.fetches();
    expectRefusal(await exchange(withClaims(token, { ...claims, iss: lookAlike(String(claims.iss)) })), {
      ...REFUSED,
      reason: /no registered platform/,
    });
    expect(world.fetches()).toBe(fetchesBefore);
  });

  it('the broker’s own access token presented as a credential is refused', async () => {
    const issued = await exchange(forged((c) => c));
    expect(issued.status).toBe(200);
    expectRefusal(await exchange(String(issued.body.access_token)), {
      ...REFUSED,
      reason: /no registered platform/,
    });
  });
});
