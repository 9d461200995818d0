import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AccessTokenMinter } from './access-token.minter';
import type { DueRotation } from './signing-key.store';
import { SigningKeyStore } from './signing-key.store';
import type { RotatedKey } from './signing-key.types';

const separateConnections = Boolean(process.env.TEST_DATABASE_URL);
const DAY = 86_400;

describe('SigningKeyStore.rotateIfDue', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const kek = randomBytes(32);
  let clock: Date;
  const now = () => clock;
  const at = (iso: string) => {
    clock = new Date(iso);
  };
  const byAge: DueRotation = { maxAgeSeconds: 30 * DAY, maxTokenTtlSeconds: 600, activateAfterSeconds: 3600 };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });
  beforeEach(() => at('2030-01-01T00:00:00Z'));
  afterEach(async () => {
    await dataSource.query('DELETE FROM signing_keys');
  });

  it('rotates once the current key has signed for the period, publishing the new key an hour ahead', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const first = store.current().kid;

    at('2030-01-30T23:59:59Z');
    expect(await store.rotateIfDue(byAge)).toBeUndefined();

    at('2030-01-31T00:00:00Z');
    const created = await store.rotateIfDue(byAge);
    expect(created).toMatchObject({
      status: 'pending',
      activatesAt: new Date('2030-01-31T01:00:00Z'),
    });
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([created?.kid, first]);
    expect(store.current().kid).toBe(first);
    expect(await store.rotateIfDue(byAge)).toBeUndefined();

    at('2030-01-31T01:00:00Z');
    expect(store.current().kid).toBe(created?.kid);
    expect(await store.list()).toEqual([
      expect.objectContaining({ kid: created?.kid, status: 'current' }),
      expect.objectContaining({
        kid: first,
        status: 'retiring',
        retiresAt: new Date('2030-01-31T01:00:00Z'),
        publishUntil: new Date('2030-01-31T01:10:00Z'),
      }),
    ]);
    expect(await store.rotateIfDue(byAge)).toBeUndefined();
  });

  it('measures the age from when the key began to sign', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    const rotated = await store.rotate(600, { activateAfterSeconds: 2 * DAY });

    at('2030-01-31T00:00:00Z');
    expect(await store.rotateIfDue(byAge)).toBeUndefined();
    at('2030-02-02T00:00:00Z');
    expect(await store.rotateIfDue(byAge)).toMatchObject({ status: 'pending' });
    expect(rotated.activatesAt).toEqual(new Date('2030-01-03T00:00:00Z'));
  });

  it('rotates exactly once when every replica finds it due at the same moment', async () => {
    const others = separateConnections
      ? await Promise.all([1, 2, 3].map(() => openDatabase({ url: db.url, poolSize: 1 })))
      : [dataSource, dataSource, dataSource];
    try {
      const stores = [dataSource, ...others].map((ds) => new SigningKeyStore(ds, { kek, now }));
      for (const store of stores) await store.load();
      at('2030-02-01T00:00:00Z');

      const results = await Promise.all(stores.map((store) => store.rotateIfDue(byAge)));

      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const rows = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM signing_keys');
      expect(rows[0]?.n).toBe(2);
    } finally {
      for (const other of others) if (other !== dataSource) await other.destroy();
    }
  });

  it('rotates to a key of the configured algorithm, published ahead, and says why', async () => {
    await new SigningKeyStore(dataSource, { kek, now }).load();
    at('2030-01-01T00:01:00Z');
    const store = new SigningKeyStore(dataSource, { kek, now, alg: 'EdDSA' });
    await store.load();
    expect(store.current().alg).toBe('ES256');
    const seen: RotatedKey[] = [];

    const created = await store.rotateIfDue(
      { algorithm: 'EdDSA', maxTokenTtlSeconds: 600, activateAfterSeconds: 300 },
      (_manager, key) => {
        seen.push(key);
        return Promise.resolve();
      },
    );

    expect(created).toMatchObject({ alg: 'EdDSA', status: 'pending' });
    expect(seen).toEqual([expect.objectContaining({ kid: created?.kid, alg: 'EdDSA', reason: 'algorithm' })]);
    expect(store.jwks().keys.map((k) => k.alg)).toEqual(['EdDSA', 'ES256']);
    const minter = new AccessTokenMinter(store);
    const before = await minter.mint(mintInput(clock));
    at('2030-01-01T00:06:00Z');
    const after = await minter.mint(mintInput(clock));
    const jwks = createLocalJWKSet(store.jwks());
    expect((await jwtVerify(before.token, jwks, { currentDate: clock })).protectedHeader.alg).toBe('ES256');
    expect((await jwtVerify(after.token, jwks, { currentDate: clock })).protectedHeader.alg).toBe('EdDSA');
    expect(
      await store.rotateIfDue({ algorithm: 'EdDSA', maxTokenTtlSeconds: 600, activateAfterSeconds: 0 }),
    ).toBeUndefined();
  });

  it('does not rotate for the algorithm while another rotation is pending', async () => {
    const store = new SigningKeyStore(dataSource, { kek, now });
    await store.load();
    await store.rotate(600, { activateAfterSeconds: 300 });
    const switching = new SigningKeyStore(dataSource, { kek, now, alg: 'ES384' });
    await switching.load();
    expect(
      await switching.rotateIfDue({ algorithm: 'ES384', maxTokenTtlSeconds: 600, activateAfterSeconds: 0 }),
    ).toBeUndefined();
  });
});

function mintInput(now: Date) {
  return {
    issuer: 'https://broker.example',
    subject: 's',
    audience: ['https://api.example'],
    scopes: [],
    clientId: 's',
    ttlSeconds: 600,
    now,
  };
}
