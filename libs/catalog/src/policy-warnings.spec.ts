import { describe, expect, it } from 'vitest';
import {
  NEVER_SHARED,
  sharedIssuers,
  type IdentityPins,
  type PlatformRegistration,
} from '@fedbroker/platforms';
import { conditionFactsOf, type ConditionFacts } from '@fedbroker/policy';
import { expiredWarning, mutableNamesWarning, sharedIssuerProblem, ttlWarning } from './policy-warnings';

const PINS: IdentityPins = {
  immutableFields: ['repositoryId', 'repositoryOwnerId'],
  mutableNames: ['repository', 'subject'],
  tenantFields: ['repositoryOwnerId', 'repositoryId'],
  sharedIssuer: sharedIssuers({ 'https://shared.example': 'signs for everyone' }),
};

const platform = (issuer: string): PlatformRegistration => ({
  name: 'ci',
  kind: 'github-actions',
  issuer,
  audiences: [],
  clockSkewSeconds: 60,
  settings: {},
  enabled: true,
});

function facts(condition: string): ConditionFacts {
  const parsed = conditionFactsOf(condition);
  if (parsed === undefined) throw new Error(`${condition} does not parse`);
  return parsed;
}

describe('ttlWarning', () => {
  it.each([
    [3600, 3600, false],
    [3601, 3600, true],
    [60, 3600, false],
  ])('warns about a TTL of %i under a maximum of %i: %s', (ttl, max, warned) => {
    expect(ttlWarning(ttl, max) !== undefined).toBe(warned);
  });

  it('says what the TTL will be cut to', () => {
    expect(ttlWarning(7200, 900)?.message).toContain('cut to 900 s');
  });
});

describe('expiredWarning', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  it.each([
    [undefined, false],
    [new Date('2030-01-01T00:00:01Z'), false],
    [now, true],
    [new Date('2029-01-01T00:00:00Z'), true],
  ])('warns about expiresAt %s: %s', (expiresAt, warned) => {
    expect(expiredWarning(expiresAt, now) !== undefined).toBe(warned);
  });
});

describe('mutableNamesWarning', () => {
  it.each([
    ["identity.repository == 'o/r'", true],
    ["identity.subject.startsWith('repo:o/')", true],
    ["identity.repository == 'o/r' && identity.repositoryId == '1'", false],
    ["identity.repository == 'o/r' || identity.repositoryId == '1'", true],
    ["identity.repository == 'o/r' && identity.repositoryId != '1'", true],
    ["identity.ref == 'refs/heads/main'", false],
    ['true', false],
  ])('warns about %s: %s', (condition, warned) => {
    expect(mutableNamesWarning(PINS, facts(condition)) !== undefined).toBe(warned);
  });

  it('names the names read and the immutable fields to pin', () => {
    expect(mutableNamesWarning(PINS, facts("identity.repository == 'o/r'"))?.message).toBe(
      'reads identity.repository, a name that can be deleted and taken again by someone else, and pins no ' +
        "immutable field: add identity.repositoryId or identity.repositoryOwnerId == '…' (or in [...]) with &&",
    );
  });
});

describe('sharedIssuerProblem', () => {
  it.each([
    ['https://shared.example', 'true', true],
    ['https://shared.example', "identity.repository == 'o/r'", true],
    ['https://shared.example', "identity.repositoryOwnerId == '1' || identity.repository == 'o/r'", true],
    ['https://shared.example', "identity.repositoryOwnerId == '1'", false],
    ['https://shared.example', "identity.repositoryId in ['1', '2'] && identity.ref == 'main'", false],
    ['https://own.example', 'true', false],
  ])('on %s refuses %s: %s', (issuer, condition, refused) => {
    expect(sharedIssuerProblem(PINS, platform(issuer), facts(condition)) !== undefined).toBe(refused);
  });

  it('never refuses for a kind whose platforms each serve one tenant', () => {
    expect(
      sharedIssuerProblem(
        { ...PINS, sharedIssuer: NEVER_SHARED },
        platform('https://shared.example'),
        facts('true'),
      ),
    ).toBeUndefined();
  });
});
