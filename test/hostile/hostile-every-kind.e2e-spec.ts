import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf } from '../support/broker-harness';
import { JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { expectRefusal, type Refusal } from './support/expect-refusal';
import { claimsOf, hmac, splitJws, withClaims, withHeader } from './support/jws-forge';
import { KINDS, startHostileWorld, type HostileWorld, type Kind } from './support/hostile-world';

const REFUSED = { status: 400, error: 'invalid_request', code: 'credential_rejected' } as const;
const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE'];

/** An attack on a valid credential of one kind: what it turns the credential into, and the refusal. */
interface Attack {
  name: string;
  forge(world: HostileWorld, kind: Kind, token: string, index: number): Promise<string> | string;
  refusal: Refusal;
}

const ATTACKS: Attack[] = [
  {
    name: 'alg none (spellings none, None, NONE, nOnE in turn), signature stripped',
    forge: (_world, _kind, token, index) =>
      withHeader(token, { ...splitJws(token).header, alg: NONE_SPELLINGS[index % 4] }, ''),
    refusal: { ...REFUSED, reason: /signing algorithm is not allowed/ },
  },
  {
    name: 'a forged signature under the trusted kid',
    forge: (_world, _kind, token) => {
      const { signature } = splitJws(token);
      const bytes = Buffer.from(signature, 'base64url');
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      return `${token.slice(0, token.lastIndexOf('.'))}.${bytes.toString('base64url')}`;
    },
    refusal: { ...REFUSED, reason: /signature/ },
  },
  {
    name: "HS256 keyed with the platform's own public key (algorithm confusion)",
    async forge(world, kind, token) {
      const { header, payload } = splitJws(token);
      const jwk = await world.publicJwkOf(kind, String(header.kid));
      return hmac(JSON.stringify(jwk), { ...header, alg: 'HS256' }, payload);
    },
    refusal: { ...REFUSED, reason: /signing algorithm is not allowed/ },
  },
  {
    name: 'jku and x5u headers naming a key set the attacker serves (never fetched)',
    forge: (world, _kind, token) =>
      withHeader(token, {
        ...splitJws(token).header,
        jku: `${world.trap.url}/jku`,
        x5u: `${world.trap.url}/x5u`,
      }),
    refusal: { ...REFUSED, reason: /signature/ },
  },
  {
    name: 'an issuer with a trailing slash (a look-alike: no platform, no fetch)',
    forge: (_world, _kind, token) => {
      const claims = claimsOf(token);
      return withClaims(token, { ...claims, iss: `${String(claims.iss)}/` });
    },
    refusal: { ...REFUSED, reason: /no registered platform|issuer is not trusted/ },
  },
];

describe('hostile credentials of every platform kind', () => {
  let world: HostileWorld;

  beforeAll(async () => {
    world = await startHostileWorld();
  });

  afterAll(async () => {
    await world.close();
  });

  const cases = KINDS.flatMap((kind, k) =>
    ATTACKS.map((attack, a) => [kind, attack.name, k * ATTACKS.length + a] as const),
  );

  it.each(cases)('%s: %s is refused, audited, and fetches nothing', async (kind, name, index) => {
    const attack = ATTACKS.find((candidate) => candidate.name === name);
    if (attack === undefined) throw new Error(name);
    const forged = await attack.forge(world, kind, await world.mint(kind), index);
    const fetchesBefore = world.fetches();
    const outcome = await world.send({
      method: 'POST',
      body: formOf({ grant_type: TOKEN_EXCHANGE, subject_token: forged, subject_token_type: JWT_TYPE }),
    });
    expectRefusal(outcome, attack.refusal);
    expect(world.trap.hits).toBe(0);
    expect(world.fetches()).toBe(fetchesBefore);
  });
});
