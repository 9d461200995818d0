import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { openDatabase } from './create-data-source';

const INSERT = `INSERT INTO audit_events (id, time, request_id, outcome)
  VALUES (gen_random_uuid(), now(), 'append-only', 'issued')`;

describe('audit_events is append-only', () => {
  const db = useMigratedDatabase();

  beforeAll(async () => {
    await db.dataSource.query(INSERT);
  });

  it.each([
    ['UPDATE', `UPDATE audit_events SET subject = 'mallory'`],
    ['DELETE', `DELETE FROM audit_events`],
    ['TRUNCATE', `TRUNCATE audit_events`],
  ])('refuses %s, even to a superuser', async (_operation, statement) => {
    await expect(db.dataSource.query(statement)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/audit_events is append-only/) as unknown,
    });
    expect(await db.dataSource.query('SELECT count(*)::int AS n FROM audit_events')).toEqual([{ n: 1 }]);
  });

  it('accepts INSERT', async () => {
    await expect(db.dataSource.query(INSERT)).resolves.toBeDefined();
  });

  it('refuses a row whose chain columns are half set', async () => {
    await expect(
      db.dataSource.query(
        `INSERT INTO audit_events (id, time, request_id, outcome, chain_id)
         VALUES (gen_random_uuid(), now(), 'half', 'issued', gen_random_uuid())`,
      ),
    ).rejects.toThrow(/ck_audit_events_chain_all_or_none/);
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('the role that migrated audit_events', () => {
  const suffix = randomBytes(6).toString('hex');
  const role = `fedbroker_app_${suffix}`;
  const database = `fedbroker_test_owner_${suffix}`;
  let admin: Client;
  let app: DataSource;

  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    url.username = role;
    url.pathname = `/${database}`;
    app = await openDatabase({ url: url.toString(), poolSize: 1 });
    await app.query(INSERT);
  });
  afterAll(async () => {
    if (app?.isInitialized) await app.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it.each([
    ['UPDATE', `UPDATE audit_events SET subject = 'mallory'`],
    ['DELETE', `DELETE FROM audit_events`],
    ['TRUNCATE', `TRUNCATE audit_events`],
  ])('has given up %s: refused even with the trigger off', async (_operation, statement) => {
    await app.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await expect(app.query(statement)).rejects.toThrow(/permission denied for table audit_events/);
    } finally {
      await app.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
  });

  it('still inserts and reads', async () => {
    await app.query(INSERT);
    expect(await app.query('SELECT count(*)::int AS n FROM audit_events')).toEqual([{ n: 2 }]);
  });
});
