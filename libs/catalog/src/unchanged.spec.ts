import { describe, expect, it } from 'vitest';
import type { PolicyEntity } from '@fedbroker/persistence';
import { policyBodySchema } from './catalog-schemas';
import { samePolicy } from './unchanged';

const body = (overrides: Record<string, unknown> = {}) =>
  policyBodySchema.parse({
    name: 'p',
    platform: 'cluster',
    condition: 'true',
    audiences: ['https://api.example'],
    claims: { b: 'identity.b', a: 'identity.a' },
    expiresAt: '2031-01-01T01:00:00+01:00',
    tests: [{ name: 't', identity: { z: 1, y: 2 }, expect: 'match' }],
    ...overrides,
  });

/** A row as PostgreSQL gives it back: jsonb members sorted, the time in UTC. */
const stored = {
  id: 'id',
  name: 'p',
  platformId: 'platform',
  condition: 'true',
  actorCondition: null,
  subject: null,
  oneTimeUse: null,
  claims: { a: 'identity.a', b: 'identity.b' },
  audiences: ['https://api.example'],
  scopes: [],
  ttlSeconds: 900,
  priority: 0,
  enabled: true,
  mode: 'enforce',
  expiresAt: new Date('2031-01-01T00:00:00Z'),
  tests: [{ name: 't', expect: 'match', identity: { y: 2, z: 1 } }],
  version: 1,
  createdAt: new Date(),
  updatedAt: new Date(),
} as PolicyEntity;

describe('samePolicy', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['the body as stored, members in another order and the time in another zone', {}, true],
    ['another condition', { condition: 'false' }, false],
    ['a default written out', { priority: 0, enabled: true, mode: 'enforce', scopes: [] }, true],
    ['another mode', { mode: 'audit' }, false],
    ['no expiry', { expiresAt: undefined }, false],
    ['no tests', { tests: [] }, false],
  ])('finds %s unchanged: %s', (_case, overrides, same) => {
    expect(samePolicy(stored, body(overrides))).toBe(same);
  });
});
