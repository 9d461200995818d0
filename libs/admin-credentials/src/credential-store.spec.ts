import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChangeLog } from '@fedbroker/history';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { CredentialError } from './credential.error';
import { CredentialStore } from './credential-store';

const changes = new ChangeLog();

describe('CredentialStore', () => {
  const db = useMigratedDatabase();
  const secrets = (...values: string[]) => {
    const queue = [...values];
    return () => queue.shift() ?? 'unexpected-extra-secret';
  };

  it('authenticates the configured credential as the bootstrap admin, and stores nothing for it', async () => {
    const store = new CredentialStore(db.dataSource, { configured: 'configured-credential-123', changes });
    expect(await store.authenticate('configured-credential-123')).toEqual({
      actor: 'bootstrap',
      role: 'admin',
    });
    expect(await store.authenticate('configured-credential-124')).toBeUndefined();
    expect(await store.ensureBootstrap()).toBeUndefined();
    expect(await db.dataSource.query('SELECT * FROM admin_credentials')).toEqual([]);
  });

  it('generates the bootstrap credential once, stores only its digest, and keeps it across starts', async () => {
    const first = new CredentialStore(db.dataSource, {
      changes,
      generate: secrets('generated-credential-1'),
    });
    const generated = await first.ensureBootstrap();
    expect(generated).toBe('generated-credential-1');
    const rows: { name: string; token_sha256: string }[] = await db.dataSource.query(
      'SELECT name, token_sha256 FROM admin_credentials',
    );
    expect(rows).toEqual([
      { name: 'bootstrap', token_sha256: expect.not.stringContaining('generated') as unknown },
    ]);

    const second = new CredentialStore(db.dataSource, {
      changes,
      generate: secrets('generated-credential-2'),
    });
    expect(await second.ensureBootstrap()).toBeUndefined();
    expect(await second.authenticate('generated-credential-1')).toMatchObject({ role: 'admin' });
    expect(await second.authenticate('generated-credential-2')).toBeUndefined();
  });

  it('issues credentials of each role, shows their secret once, and revokes them at once', async () => {
    const store = new CredentialStore(db.dataSource, {
      configured: 'configured-credential-123',
      changes,
      generate: secrets('auditor-secret', 'admin-secret'),
    });
    const auditor = await store.create({ name: 'reader', role: 'auditor' }, 'bootstrap');
    const admin = await store.create({ name: 'operator', role: 'admin' }, auditor.id);
    expect(auditor).toMatchObject({ name: 'reader', role: 'auditor', credential: 'auditor-secret' });
    expect(await store.authenticate('auditor-secret')).toEqual({ actor: auditor.id, role: 'auditor' });
    expect(await store.authenticate('admin-secret')).toEqual({ actor: admin.id, role: 'admin' });
    expect((await store.list()).map((c) => c.name)).toEqual(expect.arrayContaining(['reader', 'operator']));
    expect(JSON.stringify(await store.list())).not.toMatch(/secret|sha256/);

    await store.revoke(auditor.id, 'bootstrap');
    expect(await store.authenticate('auditor-secret')).toBeUndefined();
    await expect(store.revoke(auditor.id, 'bootstrap')).rejects.toMatchObject({ code: 'not_found' });
  });

  it.each([
    [{ name: 'bootstrap', role: 'admin' }, 'name'],
    [{ name: 'Not Valid', role: 'admin' }, 'name'],
    [{ name: 'someone', role: 'root' }, 'role'],
    [{ name: 'someone', role: 'admin', secret: 'chosen' }, '(body)'],
  ])('refuses %j, naming %s', async (input, field) => {
    const store = new CredentialStore(db.dataSource, { changes });
    const refusal = await store.create(input, 'bootstrap').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CredentialError);
    expect((refusal as CredentialError).problems.map((p) => p.field)).toContain(field);
  });

  it('refuses a second credential of the same name, naming it', async () => {
    const store = new CredentialStore(db.dataSource, { changes });
    await store.create({ name: 'twice', role: 'auditor' }, 'bootstrap');
    await expect(store.create({ name: 'twice', role: 'admin' }, 'bootstrap')).rejects.toMatchObject({
      code: 'conflict',
      conflictingName: 'twice',
    });
  });

  it('answers not found for an id that cannot exist, without asking the database', async () => {
    const store = new CredentialStore(db.dataSource, { changes });
    await expect(store.revoke('not-a-uuid', 'bootstrap')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records every credential write without its secret or digest', async () => {
    const store = new CredentialStore(db.dataSource, { changes, generate: secrets('recorded-secret') });
    const issued = await store.create({ name: 'recorded', role: 'auditor' }, 'bootstrap');
    await store.revoke(issued.id, 'bootstrap');
    const rows: { action: string; before: unknown; after: unknown }[] = await db.dataSource.query(
      `SELECT action, before, after FROM admin_changes WHERE name = 'recorded' ORDER BY time, id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['create', 'delete']);
    const digest = createHash('sha256').update('recorded-secret').digest('hex');
    expect(JSON.stringify(rows)).not.toContain('recorded-secret');
    expect(JSON.stringify(rows)).not.toContain(digest);
    expect(rows[0]?.after).toEqual({
      id: issued.id,
      name: 'recorded',
      role: 'auditor',
      createdAt: issued.createdAt,
    });
  });
});
