import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy';
import { firstFalseConjunct } from './explain-condition';
import type { PolicyInput } from './policy.types';

const input: PolicyInput = {
  claims: { groups: ['ops', 'dev'] },
  identity: { namespace: 'payments', serviceAccount: 'deployer', refProtected: false },
  request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
};

function explainOf(condition: string) {
  const policy = compilePolicy({
    name: 'p',
    condition,
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 60,
    priority: 0,
    enabled: true,
  });
  return firstFalseConjunct(policy, input);
}

describe('firstFalseConjunct', () => {
  it.each([
    [
      'the second of two',
      "identity.namespace == 'payments' && identity.serviceAccount == 'reader'",
      { expression: 'identity.serviceAccount == "reader"', position: 2, of: 2 },
    ],
    [
      'the first false one when several are false',
      "identity.namespace == 'web' && identity.serviceAccount == 'reader'",
      { expression: 'identity.namespace == "web"', position: 1, of: 2 },
    ],
    [
      'a conjunct in a long chain, however the parser nests it',
      "true && has(identity.namespace) && 'ops' in claims.groups && identity.refProtected && true",
      { expression: 'identity.refProtected', position: 4, of: 5 },
    ],
    [
      'a macro, printed as written',
      "identity.namespace == 'payments' && claims.groups.exists(g, g == 'admin')",
      { expression: 'claims.groups.exists(g, g == "admin")', position: 2, of: 2 },
    ],
    [
      'a parenthesized disjunction as one conjunct',
      "(identity.namespace == 'web' || identity.namespace == 'api') && true",
      { expression: 'identity.namespace == "web" || identity.namespace == "api"', position: 1, of: 2 },
    ],
    [
      'a false conjunct after one that fails (false && error is false)',
      "identity.missing == 'x' && identity.namespace == 'web'",
      { expression: 'identity.namespace == "web"', position: 2, of: 2 },
    ],
  ])('names %s', (_name, condition, expected) => {
    expect(explainOf(condition)).toEqual(expected);
  });

  it.each([
    ['a condition that is no && chain', "identity.namespace == 'web'"],
    ['a true chain', "identity.namespace == 'payments' && true"],
    ['a chain that fails without a false conjunct', "identity.missing == 'x' && true"],
    ['a top-level disjunction', "identity.namespace == 'web' || false"],
  ])('names nothing for %s', (_name, condition) => {
    expect(explainOf(condition)).toBeUndefined();
  });
});
