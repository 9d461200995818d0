import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import type { AuditRecord } from './audit.types';
import { AuditWriter, type AuditWriterObserver } from './audit.writer';

/** What an observer was told, in order. */
function recordingObserver() {
  const told: { committed: [number, number][]; failed: number[]; backlogged: number[] } = {
    committed: [],
    failed: [],
    backlogged: [],
  };
  const observer: AuditWriterObserver = {
    committed: (rows, seconds) => void told.committed.push([rows, seconds]),
    failed: (rows) => void told.failed.push(rows),
    backlogged: (depth) => void told.backlogged.push(depth),
  };
  return { observer, told };
}

describe('AuditWriter observer', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  });

  it('is told of every committed batch, its rows and its commit time', async () => {
    const { observer, told } = recordingObserver();
    const writer = new AuditWriter(dataSource, { observer, maxBatch: 10 });
    await Promise.all(Array.from({ length: 25 }, () => writer.write(record())));
    expect(told.committed.reduce((sum, [rows]) => sum + rows, 0)).toBe(25);
    expect(told.committed.every(([rows, seconds]) => rows <= 10 && seconds >= 0 && seconds < 10)).toBe(true);
    expect(told.failed).toEqual([]);
    expect(writer.queueDepth).toBe(0);
  });

  it('is told once when the queue outgrows every in-flight slot, until it empties', async () => {
    const { observer, told } = recordingObserver();
    const writer = new AuditWriter(dataSource, { observer, maxBatch: 2, maxInFlight: 1 });
    const first = Array.from({ length: 8 }, () => writer.write(record()));
    expect(writer.queueDepth).toBe(8);
    expect(told.backlogged).toEqual([3]);
    await Promise.all(first);
    await Promise.all(Array.from({ length: 3 }, () => writer.write(record())));
    expect(told.backlogged).toEqual([3, 3]);
  });

  it('is told of the rows of a batch that could not be written', async () => {
    const { observer, told } = recordingObserver();
    const writer = new AuditWriter(dataSource, { observer });
    await dataSource.destroy();
    await expect(writer.write(record())).rejects.toThrow();
    expect(told.failed).toEqual([1]);
  });
});

function record(): AuditRecord {
  return {
    time: new Date('2030-01-01T00:00:00.123Z'),
    requestId: 'req-1',
    grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    outcome: 'issued',
  };
}
