import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The SELECT list of `entity`'s columns, each named by its property (`platform_id AS "platformId"`),
 * so that plain SQL reads rows shaped as the entity without TypeORM's query builder, whose first
 * use after start costs tens of milliseconds of CPU. Columns TypeORM leaves out of a default
 * select are left out here too.
 */
export function entityColumns(manager: EntityManager, entity: EntityTarget<ObjectLiteral>): string {
  return manager.connection
    .getMetadata(entity)
    .columns.filter((column) => column.isSelect)
    .map((column) => `"${column.databaseName}" AS "${column.propertyName}"`)
    .join(', ');
}
