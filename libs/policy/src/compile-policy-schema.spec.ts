import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy';
import { PolicyCompileError } from './policy-compile.error';
import type { PolicySchema } from './policy-schema';
import type { PolicyDefinition } from './policy.types';

const KUBERNETES: PolicySchema = {
  kind: 'kubernetes',
  identity: { subject: 'string', audience: 'list', issuedAt: 'int', namespace: 'string', podName: 'string' },
  actor: { subject: 'string', namespace: 'string', repositoryId: 'string' },
};

function policy(overrides: Partial<PolicyDefinition>): PolicyDefinition {
  return {
    name: 'p',
    condition: 'true',
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  };
}

function messagesOf(def: PolicyDefinition): string[] {
  try {
    compilePolicy(def, KUBERNETES);
  } catch (error) {
    if (error instanceof PolicyCompileError) return error.problems.map((p) => `${p.field}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('compilePolicy against a platform kind', () => {
  it.each([
    ["identity.namespace == 'payments'"],
    ["has(identity.podName) && identity.podName.startsWith('api-')"],
    ["identity['namespace'] == 'payments'"],
    ["'api.example' in identity.audience && identity.issuedAt > 0"],
    ["request.grantType == 'client_credentials' && size(request.scopes) > 0"],
    ["claims.anything == 'is open'"],
    ["[{'x': 1}].exists(identity, identity.x == 1)"],
  ])('accepts %s', (condition) => {
    expect(messagesOf(policy({ condition }))).toEqual([]);
  });

  it.each([
    ["identity.namespce == 'payments'", "condition: a kubernetes identity has no field 'namespce'"],
    ['has(identity.pod_name)', "condition: a kubernetes identity has no field 'pod_name'"],
    ["identity['serviceacount'] == 'x'", "no field 'serviceacount'"],
    ['identity.namespace', 'condition: must evaluate to a bool, not string'],
    ['identity.issuedAt == "0"', 'compares a int with a string'],
    ["request.scope == 'x'", "request has no field 'scope'"],
  ])('refuses %s', (condition, message) => {
    expect(messagesOf(policy({ condition })).join('\n')).toContain(message);
  });

  it('checks actor fields against every kind, and the subject mapping like the condition', () => {
    expect(messagesOf(policy({ actorCondition: "actor.repositoryId == '1'" }))).toEqual([]);
    expect(messagesOf(policy({ actorCondition: "actor.repo == '1'" })).join()).toContain(
      "actor has no field 'repo'",
    );
    expect(messagesOf(policy({ subject: 'identity.issuedAt' })).join()).toContain(
      'must evaluate to a non-empty string, not int',
    );
    expect(messagesOf(policy({ claims: { ns: 'identity.nmspace' } })).join()).toContain("no field 'nmspace'");
  });
});
