import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { unwrapPrivateKey } from './key-wrap';
import { SigningKeyStore } from './signing-key.store';

describe('key-encryption key rotation', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const oldKek = randomBytes(32);
  const newKek = randomBytes(32);
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

  const wrappedUnder = async (kek: Buffer): Promise<boolean[]> => {
    const rows = await dataSource.query<{ kid: string; private_key_wrapped: Buffer }[]>(
      'SELECT kid, private_key_wrapped FROM signing_keys ORDER BY created_at',
    );
    return rows.map((row) => {
      try {
        unwrapPrivateKey(kek, row.private_key_wrapped, row.kid);
        return true;
      } catch {
        return false;
      }
    });
  };

  it('signs with keys wrapped under a previous key-encryption key, and says which they are', async () => {
    const before = new SigningKeyStore(dataSource, { kek: oldKek, now });
    await before.load();
    const store = new SigningKeyStore(dataSource, { kek: newKek, previousKeks: [oldKek], now });
    await store.load();
    expect(store.current().kid).toBe(before.current().kid);
    expect(store.keysUnderPreviousKek).toEqual([before.current().kid]);
  });

  it('wraps a rotated key under the key-encryption key the stored keys use until they are rewrapped', async () => {
    await new SigningKeyStore(dataSource, { kek: oldKek, now }).load();
    const store = new SigningKeyStore(dataSource, { kek: newKek, previousKeks: [oldKek], now });
    await store.load();
    clock = new Date('2030-01-01T00:01:00Z');
    await store.rotate(600);

    expect(await wrappedUnder(oldKek)).toEqual([true, true]);
    const stillOld = new SigningKeyStore(dataSource, { kek: oldKek, now });
    await stillOld.load();
    expect(stillOld.current().kid).toBe(store.current().kid);
  });

  it('rewraps every stored key under the current key-encryption key, after which the previous one is not needed', async () => {
    await new SigningKeyStore(dataSource, { kek: oldKek, now }).load();
    const store = new SigningKeyStore(dataSource, { kek: newKek, previousKeks: [oldKek], now });
    await store.load();
    clock = new Date('2030-01-01T00:01:00Z');
    await store.rotate(600);
    const kids = (await store.list()).map((k) => k.kid);

    const report = await store.rewrap();

    expect(report).toEqual({
      rewrapped: expect.arrayContaining(kids) as unknown,
      unchanged: [],
      unreadable: [],
    });
    expect(report.rewrapped).toHaveLength(2);
    expect(await wrappedUnder(newKek)).toEqual([true, true]);
    expect(store.keysUnderPreviousKek).toEqual([]);
    const onlyNew = new SigningKeyStore(dataSource, { kek: newKek, now });
    await onlyNew.load();
    expect(onlyNew.current().kid).toBe(store.current().kid);
    await expect(new SigningKeyStore(dataSource, { kek: oldKek, now }).load()).rejects.toMatchObject({
      code: 'kek_mismatch',
    });

    clock = new Date('2030-01-01T00:02:00Z');
    await onlyNew.rotate(600);
    expect(await wrappedUnder(newKek)).toEqual([true, true, true]);
    expect(await store.rewrap()).toEqual({
      rewrapped: [],
      unchanged: expect.any(Array) as unknown,
      unreadable: [],
    });
  });

  it('leaves a retired key no key-encryption key opens, and names it', async () => {
    const lostKek = randomBytes(32);
    const lost = new SigningKeyStore(dataSource, { kek: lostKek, now });
    await lost.load();
    const retired = lost.current().kid;
    await dataSource.query(`UPDATE signing_keys SET retired_at = $1, publish_until = $1`, [
      new Date('2029-12-31T00:00:00Z'),
    ]);
    const store = new SigningKeyStore(dataSource, { kek: newKek, previousKeks: [oldKek], now });
    await store.load();

    const report = await store.rewrap();

    expect(report).toEqual({ rewrapped: [], unchanged: [store.current().kid], unreadable: [retired] });
  });

  it('refuses to rewrap, changing nothing, while a key in use opens under none of its keys', async () => {
    await new SigningKeyStore(dataSource, { kek: oldKek, now }).load();
    const store = new SigningKeyStore(dataSource, { kek: newKek, previousKeks: [oldKek], now });
    await store.load();
    const stranger = new SigningKeyStore(dataSource, { kek: randomBytes(32), now });
    await expect(stranger.rewrap()).rejects.toMatchObject({
      code: 'key_unreadable',
      kid: store.current().kid,
      message: expect.stringContaining('nothing was rewrapped') as unknown,
    });
    expect(await wrappedUnder(oldKek)).toEqual([true]);
  });

  it('never names a key-encryption key when one is missing', async () => {
    await new SigningKeyStore(dataSource, { kek: oldKek, now }).load();
    const other = randomBytes(32);
    const error = await new SigningKeyStore(dataSource, { kek: other, previousKeks: [newKek], now })
      .load()
      .then(
        () => new Error('loaded'),
        (e: unknown) => e as Error,
      );
    expect(error.message).toMatch(
      /wrapped under neither FEDBROKER_KEY_ENCRYPTION_KEY nor any of FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS/,
    );
    for (const key of [oldKek, newKek, other]) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        expect(error.message).not.toContain(key.toString(encoding));
      }
    }
  });
});
