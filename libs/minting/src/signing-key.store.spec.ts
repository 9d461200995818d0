import { createPrivateKey, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AccessTokenMinter } from './access-token.minter';
import { unwrapPrivateKey } from './key-wrap';
import { SigningKeyStore } from './signing-key.store';

const separateConnections = Boolean(process.env.TEST_DATABASE_URL);

describe('SigningKeyStore', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const kek = randomBytes(32);
  let clock: Date;
  const now = () => clock;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });
  beforeEach(() => {
    clock = new Date('2030-01-01T00:00:00Z');
  });
  afterEach(async () => {
    await dataSource.query('DELETE FROM signing_keys');
  });

  it('generates exactly one ES256 key on first load; a second store loads the same kid', async () => {
    const first = new SigningKeyStore(dataSource, { kek, now });
    expect(first.ready).toBe(false);
    await first.load();
    expect(first.ready).toBe(true);
    const second = new SigningKeyStore(dataSource, { kek, now });
    await second.load();

    expect(second.current().kid).toBe(first.current().kid);
    expect(first.current().alg).toBe('ES256');
    expect(await countKeys(dataSource)).toBe(1);
    expect(await first.list()).toEqual([
      expect.objectContaining({
        kid: first.current().kid,
        status: 'current',
        createdAt: clock,
        activatesAt: clock,
      }),
    ]);
  });

  it('uses the RFC 7638 thumbprint as kid', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const [jwk] = store.jwks().keys;
    expect(jwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: store.current().kid,
      alg: 'ES256',
      use: 'sig',
    });
    expect(await calculateJwkThumbprint(jwk!)).toBe(store.current().kid);
    expect(jwk).not.toHaveProperty('d');
  });

  it('creates one key when two replicas start on an empty database at once', async () => {
    const other = separateConnections ? await openDatabase({ url: db.url, poolSize: 1 }) : dataSource;
    try {
      const stores = [
        new SigningKeyStore(dataSource, { kek, now }),
        new SigningKeyStore(other, { kek, now }),
      ];
      await Promise.all(stores.map((s) => s.load()));
      expect(await countKeys(dataSource)).toBe(1);
      expect(stores[0]!.current().kid).toBe(stores[1]!.current().kid);
    } finally {
      if (other !== dataSource) await other.destroy();
    }
  });

  it('stores the private key wrapped, never as PKCS#8', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const [row] = await dataSource.query<{ private_key_wrapped: Buffer }[]>(
      'SELECT private_key_wrapped FROM signing_keys',
    );
    const wrapped = row!.private_key_wrapped;
    const pkcs8 = unwrapPrivateKey(kek, wrapped, store.current().kid);
    const privateJwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
      format: 'jwk',
    });
    expect(store.jwks().keys[0]).toMatchObject({ x: privateJwk.x, y: privateJwk.y });

    expect(wrapped.includes(pkcs8)).toBe(false);
    expect(wrapped.includes(Buffer.from(privateJwk.d!, 'base64url'))).toBe(false);
    expect(wrapped.toString('latin1')).not.toContain('PRIVATE KEY');
    expect(store.current().privateKey.extractable).toBe(false);
  });

  it('fails to load under another key-encryption key, naming the setting but not the key', async () => {
    await new SigningKeyStore(dataSource, { kek, now }).load();
    const wrongKek = randomBytes(32);
    const wrong = new SigningKeyStore(dataSource, { kek: wrongKek, now });
    const error = await wrong.load().then(
      () => new Error('loaded'),
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ name: 'MintingError', code: 'kek_mismatch' });
    expect(error.message).toMatch(/: it was wrapped under another key than FEDBROKER_KEY_ENCRYPTION_KEY$/);
    for (const key of [kek, wrongKek]) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        expect(error.message).not.toContain(key.toString(encoding));
      }
    }
    expect(wrong.ready).toBe(false);
    expect(await countKeys(dataSource)).toBe(1);
  });

  it('refuses a key-encryption key that is not 32 bytes', () => {
    expect(() => new SigningKeyStore(dataSource, { kek: randomBytes(31) })).toThrow(
      /FEDBROKER_KEY_ENCRYPTION_KEY must be 32 bytes/,
    );
  });

  it('throws keys_not_loaded before load', () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    expect(() => store.current()).toThrow(expect.objectContaining({ code: 'keys_not_loaded' }));
  });

  it('rotates: the old key stays published until publishUntil, then a reload drops it', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const minter = new AccessTokenMinter(store);
    const oldKid = store.current().kid;
    clock = new Date('2030-01-01T01:00:00Z');
    const before = await minter.mint(mintInput(clock));
    expect(before.kid).toBe(oldKid);

    const created = await store.rotate(600);
    expect(created).toMatchObject({
      status: 'current',
      activatesAt: clock,
      retiresAt: null,
      publishUntil: null,
    });
    expect(store.current().kid).toBe(created.kid);
    expect(created.kid).not.toBe(oldKid);
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);
    expect(await store.list()).toEqual([
      expect.objectContaining({ kid: created.kid, status: 'current' }),
      expect.objectContaining({
        kid: oldKid,
        status: 'retiring',
        retiresAt: clock,
        publishUntil: new Date('2030-01-01T01:10:00Z'),
      }),
    ]);

    const after = await minter.mint(mintInput(clock));
    expect(after.kid).toBe(created.kid);
    const jwks = createLocalJWKSet(store.jwks());
    await expect(jwtVerify(before.token, jwks, { currentDate: clock })).resolves.toBeDefined();
    await expect(jwtVerify(after.token, jwks, { currentDate: clock })).resolves.toBeDefined();

    const replica = new SigningKeyStore(dataSource, { kek, now });
    await replica.load();
    expect(replica.current().kid).toBe(created.kid);
    expect(replica.jwks().keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);

    clock = new Date('2030-01-01T01:10:01Z');
    await store.load();
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created.kid]);
    expect(replica.jwks().keys.map((k) => k.kid)).toEqual([created.kid]);
  });

  it('publishes a key before it signs, then signs with it once its activation time comes, without a reload', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const minter = new AccessTokenMinter(store);
    const oldKid = store.current().kid;
    clock = new Date('2030-01-01T01:00:00Z');

    const created = await store.rotate(600, { activateAfterSeconds: 300 });
    expect(created).toMatchObject({
      status: 'pending',
      activatesAt: new Date('2030-01-01T01:05:00Z'),
      retiresAt: null,
      publishUntil: null,
    });
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);
    const before = await minter.mint(mintInput(clock));
    expect(before.kid).toBe(oldKid);
    expect(await store.list()).toEqual([
      expect.objectContaining({ kid: created.kid, status: 'pending' }),
      expect.objectContaining({
        kid: oldKid,
        status: 'current',
        retiresAt: new Date('2030-01-01T01:05:00Z'),
        publishUntil: new Date('2030-01-01T01:15:00Z'),
      }),
    ]);
    const replica = new SigningKeyStore(dataSource, { kek, now });
    await replica.load();
    expect(replica.current().kid).toBe(oldKid);
    expect(replica.jwks().keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);

    clock = new Date('2030-01-01T01:05:00Z');
    const after = await minter.mint(mintInput(clock));
    expect(after.kid).toBe(created.kid);
    expect(replica.current().kid).toBe(created.kid);
    expect((await store.list()).map((k) => k.status)).toEqual(['current', 'retiring']);
    const jwks = createLocalJWKSet(store.jwks());
    await expect(jwtVerify(before.token, jwks, { currentDate: clock })).resolves.toBeDefined();
    await expect(jwtVerify(after.token, jwks, { currentDate: clock })).resolves.toBeDefined();

    clock = new Date('2030-01-01T01:14:59Z');
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);
    clock = new Date('2030-01-01T01:15:00Z');
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created.kid]);
    expect(replica.jwks().keys.map((k) => k.kid)).toEqual([created.kid]);
  });

  it('refuses a second rotation while a key is pending, and rotates again once it is current', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const pending = await store.rotate(600, { activateAfterSeconds: 300 });

    await expect(store.rotate(600)).rejects.toMatchObject({
      name: 'MintingError',
      code: 'rotation_pending',
      message: expect.stringContaining(pending.kid) as unknown,
    });
    expect(await countKeys(dataSource)).toBe(2);
    expect(store.jwks().keys.map((k) => k.kid)).toContain(pending.kid);

    clock = new Date('2030-01-01T00:05:00Z');
    const next = await store.rotate(600);
    expect(next.status).toBe('current');
    expect(store.current().kid).toBe(next.kid);
    expect((await store.list()).map((k) => k.status)).toEqual(['current', 'retiring', 'retiring']);
  });

  it.each([-1, 1.5, Number.NaN])('refuses activateAfterSeconds %s', async (activateAfterSeconds) => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    await expect(store.rotate(600, { activateAfterSeconds })).rejects.toMatchObject({
      code: 'invalid_rotation',
    });
    expect(await countKeys(dataSource)).toBe(1);
  });

  it('generates RS256 keys when asked', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now, alg: 'RS256' });
    await store.load();
    const minted = await new AccessTokenMinter(store).mint(mintInput(clock));
    const { protectedHeader } = await jwtVerify(minted.token, createLocalJWKSet(store.jwks()), {
      currentDate: clock,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(store.jwks().keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });
});

async function countKeys(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM signing_keys');
  return row!.n;
}

function mintInput(now: Date) {
  return {
    issuer: 'https://broker.example',
    subject: 'system:serviceaccount:ns:sa',
    audience: ['https://api.example'],
    scopes: ['read'],
    clientId: 'system:serviceaccount:ns:sa',
    ttlSeconds: 600,
    now,
  };
}
