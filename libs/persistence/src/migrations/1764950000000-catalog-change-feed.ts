import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalog's change feed: every platform and policy row records the transaction that last wrote
 * it (`written_by`, set by a trigger whatever the writer), so that a reload reads only the rows
 * written by transactions that had not committed when the previous reload read the catalog.
 */
export class CatalogChangeFeed1764950000000 implements MigrationInterface {
  name = 'CatalogChangeFeed1764950000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION catalog_row_written() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.written_by := pg_current_xact_id();
        RETURN NEW;
      END
      $$`);
    for (const table of ['platforms', 'policies']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN written_by xid8`);
      await q.query(`
        CREATE TRIGGER tr_${table}_written BEFORE INSERT OR UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION catalog_row_written()`);
      await q.query(`CREATE INDEX ix_${table}_written_by ON ${table} (written_by)`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['policies', 'platforms']) {
      await q.query(`DROP TRIGGER tr_${table}_written ON ${table}`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN written_by`);
    }
    await q.query(`DROP FUNCTION catalog_row_written()`);
  }
}
