import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AccessTokenMinter, type MintInput } from './access-token.minter';
import { SigningKeyStore } from './signing-key.store';

describe('AccessTokenMinter', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: SigningKeyStore;
  let minter: AccessTokenMinter;
  const now = new Date('2030-06-01T12:00:00.750Z');
  const IAT = Date.parse('2030-06-01T12:00:00Z') / 1000;
  const input: MintInput = {
    issuer: 'https://broker.example',
    subject: 'repo:acme/app:ref:refs/heads/main',
    audience: ['https://api.example'],
    scopes: ['deploy', 'read'],
    clientId: 'repo:acme/app:ref:refs/heads/main',
    ttlSeconds: 900,
    now,
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
    store = new SigningKeyStore(dataSource, { kek: randomBytes(32), now: () => now });
    await store.load();
    minter = new AccessTokenMinter(store);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function verify(token: string) {
    return jwtVerify(token, createLocalJWKSet(store.jwks()), {
      currentDate: now,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      issuer: input.issuer,
    });
  }

  it('start() fixes the claims at once and signs a token that carries them', async () => {
    const signing = minter.start(input);
    expect(signing.expiresAt).toEqual(new Date((IAT + 900) * 1000));
    const { payload, protectedHeader } = await verify(await signing.signed);
    expect(payload).toMatchObject({ jti: signing.jti, iat: IAT, exp: IAT + 900 });
    expect(protectedHeader.kid).toBe(signing.kid);
  });

  it('start() refuses input no token can be minted from before signing anything', () => {
    expect(() => minter.start({ ...input, audience: [] })).toThrow(/at least one audience/);
  });

  it('mints an RFC 9068 token that verifies against jwks() and carries every claim', async () => {
    const minted = await minter.mint({ ...input, claims: { repository: 'acme/app', env: 'prod' } });
    const { payload, protectedHeader } = await verify(minted.token);

    expect(protectedHeader).toEqual({ alg: 'ES256', kid: store.current().kid, typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: 'https://broker.example',
      sub: input.subject,
      aud: 'https://api.example',
      iat: IAT,
      exp: IAT + 900,
      jti: minted.jti,
      client_id: input.clientId,
      scope: 'deploy read',
      repository: 'acme/app',
      env: 'prod',
    });
    expect(minted).toMatchObject({
      kid: store.current().kid,
      issuedAt: new Date('2030-06-01T12:00:00Z'),
      expiresAt: new Date('2030-06-01T12:15:00Z'),
    });
  });

  it('uses an array aud for several audiences and omits scope when there is none', async () => {
    const minted = await minter.mint({
      ...input,
      audience: ['https://a.example', 'https://b.example'],
      scopes: [],
    });
    const { payload } = await verify(minted.token);
    expect(payload.aud).toEqual(['https://a.example', 'https://b.example']);
    expect(payload).not.toHaveProperty('scope');
  });

  it('carries act when given', async () => {
    const act = { sub: 'system:serviceaccount:ci:runner', iss: 'https://k8s.example' };
    const { payload } = await verify((await minter.mint({ ...input, act })).token);
    expect(payload.act).toEqual(act);
  });

  it('never lets extra claims override registered ones', async () => {
    const claims = {
      iss: 'https://evil.example',
      sub: 'admin',
      aud: 'everything',
      exp: 9_999_999_999,
      iat: 0,
      nbf: 0,
      jti: 'fixed',
      client_id: 'other',
      scope: 'admin',
      act: { sub: 'forged' },
      cnf: { jkt: 'x' },
      team: 'payments',
    };
    const minted = await minter.mint({ ...input, scopes: [], claims });
    const { payload } = await verify(minted.token);
    expect(payload).toMatchObject({ iss: input.issuer, sub: input.subject, aud: 'https://api.example' });
    expect(payload).toMatchObject({ exp: IAT + 900, iat: IAT, jti: minted.jti, client_id: input.clientId });
    expect(payload).not.toHaveProperty('scope');
    expect(payload).not.toHaveProperty('act');
    expect(payload).not.toHaveProperty('nbf');
    expect(payload).not.toHaveProperty('cnf');
    expect(payload.team).toBe('payments');
  });

  it('gives every token its own 128-bit jti', async () => {
    const jtis = await Promise.all(Array.from({ length: 50 }, async () => (await minter.mint(input)).jti));
    expect(new Set(jtis).size).toBe(50);
    expect(Buffer.from(jtis[0]!, 'base64url')).toHaveLength(16);
  });

  it('signs with the key of the header kid', async () => {
    const minted = await minter.mint(input);
    expect(decodeProtectedHeader(minted.token).kid).toBe(minted.kid);
  });

  it.each([
    ['a zero ttl', { ttlSeconds: 0 }],
    ['a fractional ttl', { ttlSeconds: 1.5 }],
    ['no audience', { audience: [] }],
    ['an invalid date', { now: new Date(Number.NaN) }],
  ])('refuses %s', async (_name, patch) => {
    await expect(minter.mint({ ...input, ...patch })).rejects.toMatchObject({ code: 'invalid_mint_input' });
  });
});
