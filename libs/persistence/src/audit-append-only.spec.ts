import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { openDatabase } from './create-data-source';

const INSERT = `INSERT INTO audit_events (id, time, request_id, outcome, platform)
  VALUES (gen_random_uuid(), now(), 'append-only', 'issued', 'prod')`;

const TODAY = `audit_records_p${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;

describe('the audit trail is append-only', () => {
  const db = useMigratedDatabase();

  beforeAll(async () => {
    await db.dataSource.query(INSERT);
  });

  it.each([
    ['UPDATE through the view', `UPDATE audit_events SET subject = 'mallory'`],
    ['DELETE through the view', `DELETE FROM audit_events`],
    ['UPDATE', `UPDATE audit_records SET reason = 'mallory'`],
    ['DELETE', `DELETE FROM audit_records`],
    ['TRUNCATE', `TRUNCATE audit_records`],
    ['UPDATE of a partition', `UPDATE ${TODAY} SET reason = 'mallory'`],
    ['DELETE of a partition', `DELETE FROM ${TODAY}`],
    ['TRUNCATE of a partition', `TRUNCATE ${TODAY}`],
    ['TRUNCATE of the default partition', `TRUNCATE audit_records_default`],
    ['UPDATE of the dictionary', `UPDATE audit_strings SET value = 'mallory'`],
    ['DELETE of the dictionary', `DELETE FROM audit_strings`],
    [
      'moving back the last day a dictionary string was used',
      `UPDATE audit_strings SET last_day = '2000-01-01'`,
    ],
    ['TRUNCATE of the dictionary', `TRUNCATE audit_strings CASCADE`],
    ['TRUNCATE of the chain anchors', `TRUNCATE audit_chain_anchors`],
  ])('refuses %s, even to a superuser', async (_operation, statement) => {
    await expect(db.dataSource.query(statement)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/the audit trail is append-only/) as unknown,
    });
    expect(
      await db.dataSource.query(`SELECT count(*)::int AS n, min(platform) AS p FROM audit_events`),
    ).toEqual([{ n: 1, p: 'prod' }]);
  });

  it('accepts INSERT, through the view too', async () => {
    await expect(db.dataSource.query(INSERT)).resolves.toBeDefined();
  });

  it('refuses a row whose chain columns are half set', async () => {
    await expect(
      db.dataSource.query(
        `INSERT INTO audit_events (id, time, request_id, outcome, chain_id)
         VALUES (gen_random_uuid(), now(), 'half', 'issued', gen_random_uuid())`,
      ),
    ).rejects.toThrow(/ck_audit_records_chain_all_or_none/);
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('the role that migrated the audit trail', () => {
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
    ['UPDATE', 'audit_records', `UPDATE audit_records SET reason = 'mallory'`],
    ['DELETE', 'audit_records', `DELETE FROM audit_records`],
    ['TRUNCATE', 'audit_records', `TRUNCATE audit_records`],
    ['UPDATE', TODAY, `UPDATE ${TODAY} SET reason = 'mallory'`],
    ['DELETE', TODAY, `DELETE FROM ${TODAY}`],
    ['TRUNCATE', TODAY, `TRUNCATE ${TODAY}`],
    ['UPDATE', 'audit_strings', `UPDATE audit_strings SET value = 'mallory'`],
    ['DELETE', 'audit_chain_anchors', `DELETE FROM audit_chain_anchors`],
  ])('has given up %s on %s: refused even with the trigger off', async (_operation, table, statement) => {
    await app.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    try {
      await expect(app.query(statement)).rejects.toThrow(new RegExp(`permission denied for table ${table}`));
    } finally {
      await app.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    }
  });

  it('still inserts and reads', async () => {
    await app.query(INSERT);
    expect(await app.query('SELECT count(*)::int AS n FROM audit_events')).toEqual([{ n: 2 }]);
  });
});
