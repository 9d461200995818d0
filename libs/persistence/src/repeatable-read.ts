import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in a REPEATABLE READ transaction of its own, begun with one statement (TypeORM's
 * `transaction` spends two round trips: START TRANSACTION, then SET TRANSACTION). Committed when
 * `work` resolves, rolled back when it rejects.
 */
export async function inRepeatableRead<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await runner.query('COMMIT');
    return result;
  } finally {
    await runner.release();
  }
}
