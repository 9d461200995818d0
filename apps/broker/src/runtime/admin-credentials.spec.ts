import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/test-database';
import { AdminCredentials } from './admin-credentials';

describe('AdminCredentials', () => {
  const db = useMigratedDatabase();

  it('accepts the configured credential only, and stores nothing', async () => {
    const { credentials, generated } = await AdminCredentials.load(
      db.dataSource,
      'configured-credential-123',
      () => 'x',
    );
    expect(generated).toBeUndefined();
    expect(credentials.verify('configured-credential-123')).toBe(true);
    expect(credentials.verify('configured-credential-124')).toBe(false);
    expect(await db.dataSource.query('SELECT * FROM admin_credentials')).toEqual([]);
  });

  it('generates one credential on the first start, stores only its hash, and reuses it after', async () => {
    const first = await AdminCredentials.load(db.dataSource, undefined, () => 'generated-credential-1');
    expect(first.generated).toBe('generated-credential-1');
    const rows: { token_sha256: string }[] = await db.dataSource.query(
      'SELECT token_sha256 FROM admin_credentials',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_sha256).not.toContain('generated-credential-1');

    const second = await AdminCredentials.load(db.dataSource, undefined, () => 'generated-credential-2');
    expect(second.generated).toBeUndefined();
    expect(second.credentials.verify('generated-credential-1')).toBe(true);
    expect(second.credentials.verify('generated-credential-2')).toBe(false);
  });
});
