import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy';
import { policyTestProblems, runPolicyTests, testInput, type PolicyTestCase } from './policy-tests';
import type { PolicySchema } from './policy-schema';
import type { PolicyDefinition } from './policy.types';

const PLATFORM = {
  name: 'github',
  kind: 'github-actions',
  issuer: 'https://token.actions.githubusercontent.com',
};

function compiled(overrides: Partial<PolicyDefinition> = {}) {
  return compilePolicy({
    name: 'deploy',
    condition: "identity.repositoryOwnerId == '81239001' && identity.ref == 'refs/heads/main'",
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  });
}

const MAIN = {
  subject: 'repo:octo/app:ref:refs/heads/main',
  repositoryOwnerId: '81239001',
  ref: 'refs/heads/main',
};

function one(test: Omit<PolicyTestCase, 'name'>, overrides: Partial<PolicyDefinition> = {}) {
  const [result] = runPolicyTests(compiled(overrides), [{ name: 't', ...test }], PLATFORM);
  return result;
}

describe('runPolicyTests', () => {
  it.each<[string, Omit<PolicyTestCase, 'name'>, Partial<PolicyDefinition>, string, boolean, RegExp]>([
    [
      'a matching identity',
      { identity: MAIN, expect: 'match' },
      {},
      'match',
      true,
      /^subject github:repo:octo\/app/,
    ],
    [
      'another branch',
      { identity: { ...MAIN, ref: 'refs/heads/dev' }, expect: 'match' },
      {},
      'no_match',
      false,
      /condition is false/,
    ],
    [
      'another branch, expected',
      { identity: { ...MAIN, ref: 'refs/heads/dev' }, expect: 'no_match' },
      {},
      'no_match',
      true,
      /condition is false/,
    ],
    [
      'a missing field',
      { identity: { subject: 's', repositoryOwnerId: '81239001' }, expect: 'no_match' },
      {},
      'no_match',
      true,
      /condition: .*ref/,
    ],
    [
      'a subject that fails',
      { identity: MAIN, expect: 'no_match' },
      { subject: 'identity.environment' },
      'error',
      false,
      /^subject: .*environment/,
    ],
    [
      'an actor without actorCondition',
      { identity: MAIN, actor: { subject: 'ci' }, expect: 'match' },
      {},
      'no_match',
      false,
      /allows no actor/,
    ],
    [
      'an allowed actor',
      { identity: MAIN, actor: { subject: 'ci' }, expect: 'match' },
      { actorCondition: "actor.subject == 'ci'" },
      'match',
      true,
      /subject/,
    ],
    [
      'a request that the condition reads',
      { identity: MAIN, request: { scopes: ['deploy'] }, expect: 'match' },
      {
        condition: "identity.repositoryOwnerId == '81239001' && 'deploy' in request.scopes",
      },
      'match',
      true,
      /subject/,
    ],
  ])('runs %s', (_case, test, overrides, outcome, passed, reason) => {
    expect(one(test, overrides)).toEqual({
      name: 't',
      outcome,
      passed,
      reason: expect.stringMatching(reason) as unknown,
    });
  });

  it('ignores whether the policy is enabled, its mode and its expiry', () => {
    const overrides = { enabled: false, mode: 'audit', expiresAt: new Date(0) } as const;
    expect(one({ identity: MAIN, expect: 'match' }, overrides)?.outcome).toBe('match');
  });

  it('fills the common fields from the platform, unless the identity gives them', () => {
    const condition =
      "identity.platform == 'github' && identity.kind == 'github-actions' && identity.issuer.startsWith('https://')";
    expect(one({ identity: MAIN, expect: 'match' }, { condition })?.outcome).toBe('match');
    expect(one({ identity: { ...MAIN, platform: 'other' }, expect: 'match' }, { condition })?.outcome).toBe(
      'no_match',
    );
  });

  it('derives the common fields of the identity from claims given alone', () => {
    const input = testInput(
      {
        name: 't',
        claims: {
          sub: 'repo:octo/app',
          aud: 'https://broker.test',
          jti: 'j',
          iat: 1,
          exp: 2,
          repository: 'octo/app',
        },
        expect: 'match',
      },
      PLATFORM,
    );
    expect(input.identity).toEqual({
      platform: 'github',
      kind: 'github-actions',
      issuer: PLATFORM.issuer,
      subject: 'repo:octo/app',
      audience: ['https://broker.test'],
      tokenId: 'j',
      issuedAt: 1,
      expiresAt: 2,
    });
    expect(input.request).toEqual({
      audience: [],
      scopes: [],
      grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    });
  });

  it('runs a condition over claims given alone', () => {
    const result = one(
      { claims: { sub: 's', repository_owner_id: '81239001' }, expect: 'match' },
      {
        condition: "claims.repository_owner_id == '81239001'",
      },
    );
    expect(result?.outcome).toBe('match');
  });
});

describe('policyTestProblems', () => {
  const schema: PolicySchema = {
    kind: 'github-actions',
    identity: {
      subject: 'string',
      repositoryOwnerId: 'string',
      refProtected: 'bool',
      issuedAt: 'int',
      audience: 'list',
    },
    actor: { subject: 'string' },
  };

  it.each<[string, Omit<PolicyTestCase, 'name' | 'expect'>, { field: string; message: string }[]]>([
    [
      'known fields of the right types',
      { identity: { subject: 's', refProtected: true, issuedAt: 1, audience: [] } },
      [],
    ],
    [
      'a misspelt field',
      { identity: { repositoryOwnerID: '1' } },
      [
        {
          field: 'tests.0.identity.repositoryOwnerID',
          message: "a github-actions identity has no field 'repositoryOwnerID'",
        },
      ],
    ],
    [
      'an ID as a number',
      { identity: { repositoryOwnerId: 1 } },
      [{ field: 'tests.0.identity.repositoryOwnerId', message: 'must be a string' }],
    ],
    [
      'a flag as a string',
      { identity: { refProtected: 'true' } },
      [{ field: 'tests.0.identity.refProtected', message: 'must be a bool' }],
    ],
    [
      'an unknown actor field',
      { actor: { namespace: 'ci' } },
      [{ field: 'tests.0.actor.namespace', message: "an actor has no field 'namespace'" }],
    ],
    ['claims, which are open', { claims: { anything: 1 } }, []],
  ])('finds %s', (_case, test, expected) => {
    expect(policyTestProblems([{ name: 't', expect: 'match', ...test }], schema)).toEqual(expected);
  });
});
