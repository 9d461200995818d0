import { parse } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { conditionFacts, mayBothHold } from './condition-facts';

const facts = (source: string) => conditionFacts(parse(source).expr);

function pinsOf(source: string): Record<string, string[]> {
  return Object.fromEntries([...facts(source).pins].map(([field, values]) => [field, [...values].sort()]));
}

describe('conditionFacts', () => {
  it.each<[string, string, Record<string, string[]>]>([
    ['an equality', "identity.repositoryId == '42'", { repositoryId: ['string:42'] }],
    ['a reversed equality', "'42' == identity.repositoryId", { repositoryId: ['string:42'] }],
    ['an index', "identity['repositoryId'] == '42'", { repositoryId: ['string:42'] }],
    ['a list of constants', "identity.projectId in ['1', '2']", { projectId: ['string:1', 'string:2'] }],
    [
      'an int and a uint alike',
      'identity.issuedAt == 1 && identity.expiresAt == 1u',
      {
        issuedAt: ['number:1'],
        expiresAt: ['number:1'],
      },
    ],
    ['a bool', 'identity.refProtected == true', { refProtected: ['boolean:true'] }],
    [
      'conjuncts, nested',
      "(identity.a == 'x' && identity.b == 'y') && identity.c in ['z']",
      {
        a: ['string:x'],
        b: ['string:y'],
        c: ['string:z'],
      },
    ],
    [
      'two pins of one field, intersected',
      "identity.a in ['x', 'y'] && identity.a == 'y'",
      { a: ['string:y'] },
    ],
    ['nothing under ||', "identity.a == 'x' || identity.b == 'y'", {}],
    ['nothing under !', "!(identity.a == 'x')", {}],
    ['nothing for !=', "identity.a != 'x'", {}],
    ['nothing for a list with a variable', "identity.a in ['x', claims.b]", {}],
    ['nothing for an empty list', 'identity.a in []', {}],
    ['nothing for a field of claims', "claims.repository_id == '42'", {}],
    ['nothing for a comparison of two fields', 'identity.projectId == identity.jobProjectId', {}],
    ['nothing for a method', "identity.a.startsWith('x')", {}],
  ])('pins %s', (_case, source, expected) => {
    expect(pinsOf(source)).toEqual(expected);
  });

  it('lists every identity field read, under any operator', () => {
    const read = facts(
      "identity.a == 'x' || !has(identity.b) || identity['c'].startsWith(claims.d) || [1].exists(v, identity.e == v)",
    );
    expect([...read.reads].sort()).toEqual(['a', 'b', 'c', 'e']);
  });

  it.each([
    ['true', true],
    ['false', false],
    ["identity.a == 'x'", undefined],
  ])('knows %s is the constant %s', (source, constant) => {
    expect(facts(source).constant).toBe(constant);
  });
});

describe('mayBothHold', () => {
  it.each([
    ['true', "identity.a == 'x'", true],
    ["identity.a == 'x'", "identity.a == 'x'", true],
    ["identity.a == 'x'", "identity.a == 'y'", false],
    ["identity.a in ['x', 'y']", "identity.a == 'y'", true],
    ["identity.a in ['x', 'y']", "identity.a in ['z']", false],
    ["identity.a == 'x'", "identity.b == 'y'", true],
    ["identity.a == 'x' && identity.b == 'y'", "identity.a == 'x' && identity.b == 'z'", false],
    ["identity.a == 'x' || identity.a == 'y'", "identity.a == 'z'", true],
    ['false', 'true', false],
    ["identity.a == '1'", 'identity.a == 1', false],
  ])('says %s and %s may both hold: %s', (a, b, expected) => {
    expect(mayBothHold(facts(a), facts(b))).toBe(expected);
    expect(mayBothHold(facts(b), facts(a))).toBe(expected);
  });
});
