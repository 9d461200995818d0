import { describe, expect, it } from 'vitest';
import { CatalogError } from './catalog.error';
import { withoutReadOnlyMembers } from './read-only-members';

const stored = {
  id: '6f1c2c56-3f0e-4d7e-9a55-0d6b3c2f1a10',
  version: 3,
  createdAt: new Date('2025-01-02T03:04:05.678Z'),
  updatedAt: new Date('2025-02-03T04:05:06.789Z'),
};
const shown = {
  id: stored.id,
  version: 3,
  createdAt: '2025-01-02T03:04:05.678Z',
  updatedAt: '2025-02-03T04:05:06.789Z',
};

function refusedFields(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof CatalogError) return error.problems.map((p) => p.field);
    throw error;
  }
  throw new Error('not refused');
}

describe('withoutReadOnlyMembers', () => {
  it('drops read-only members that agree with the stored resource, and reports', () => {
    expect(withoutReadOnlyMembers({ ...shown, name: 'east', keys: { ok: true } }, stored, ['keys'])).toEqual({
      name: 'east',
    });
  });

  it('accepts the same instants written another way', () => {
    expect(withoutReadOnlyMembers({ createdAt: '2025-01-02T04:04:05.678+01:00' }, stored)).toEqual({});
  });

  it.each([
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['version', { version: 2 }],
    ['version', { version: '3' }],
    ['createdAt', { createdAt: '2025-01-02T03:04:05.679Z' }],
    ['updatedAt', { updatedAt: 'yesterday' }],
  ])('refuses a %s that disagrees, naming it', (field, change) => {
    expect(refusedFields(() => withoutReadOnlyMembers({ ...shown, ...change }, stored))).toEqual([field]);
  });

  it('names every disagreeing member at once', () => {
    expect(refusedFields(() => withoutReadOnlyMembers({ version: 9, id: 'x' }, stored))).toEqual([
      'version',
      'id',
    ]);
  });

  it('leaves a body that is not an object for validation to refuse', () => {
    expect(withoutReadOnlyMembers(['x'], stored)).toEqual(['x']);
  });
});
