import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION_BYTES } from './compile-expression';
import { compilePolicy } from './compile-policy';
import { PolicyCompileError, type PolicyProblem } from './policy-compile.error';
import type { PolicyDefinition } from './policy.types';

function definition(overrides: Partial<PolicyDefinition> = {}): PolicyDefinition {
  return {
    name: 'payments-deployer',
    condition: "identity.namespace == 'payments'",
    claims: {},
    audiences: ['https://api.payments.example'],
    scopes: ['payments.read'],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  };
}

function problemsOf(def: PolicyDefinition): readonly PolicyProblem[] {
  try {
    compilePolicy(def);
  } catch (error) {
    if (error instanceof PolicyCompileError) return error.problems;
    throw error;
  }
  throw new Error('expected a PolicyCompileError');
}

describe('compilePolicy', () => {
  it.each([
    [
      'the API example',
      definition({ subject: "'k8s:' + identity.namespace", claims: { ns: 'identity.namespace' } }),
    ],
    ['a written-out true condition', definition({ condition: 'true' })],
    ['has() on an identity field', definition({ condition: 'has(identity.environment)' })],
    [
      'a comprehension variable',
      definition({ condition: "request.scopes.all(s, s.startsWith('payments.'))" }),
    ],
    [
      'a two-level comprehension',
      definition({ condition: 'claims.groups.exists(g, [g].exists(h, h == g))' }),
    ],
    ['a type name', definition({ condition: 'type(claims.exp) == int' })],
    ['an actorCondition over actor', definition({ actorCondition: "actor.namespace == 'ci'" })],
    ['the actor variable in a condition', definition({ condition: '!has(actor.subject)' })],
    [
      'a strings extension function',
      definition({ condition: "identity.repository.lowerAscii() == 'acme/app'" }),
    ],
    ['a map literal claim', definition({ claims: { ctx: "{'ns': identity.namespace, 'n': 1}" } })],
    ['a constant claim', definition({ claims: { tier: "'gold'", level: '3', ratio: '0.5', tags: "['a']" } })],
    [
      'an expression of exactly the byte limit',
      definition({ condition: `${' '.repeat(MAX_EXPRESSION_BYTES - 4)}true` }),
    ],
  ])('accepts %s', (_case, def) => {
    expect(compilePolicy(def).definition.name).toBe(def.name);
  });

  it.each<[string, Partial<PolicyDefinition>, PolicyProblem['field'], RegExp]>([
    ['a syntax error', { condition: "identity.namespace == 'payments" }, 'condition', /syntax error/],
    ['an incomplete expression', { subject: 'identity.subject +' }, 'subject', /syntax error/],
    ['an empty condition', { condition: '  ' }, 'condition', /must not be empty/],
    ['an unknown top-level variable', { condition: 'foo.bar == 1' }, 'condition', /unknown variable 'foo'/],
    [
      'a comprehension variable out of scope',
      { condition: 'request.scopes.all(s, true) && s == 1' },
      'condition',
      /unknown variable 's'/,
    ],
    [
      'an unknown variable in a claim',
      { claims: { ns: 'identiy.namespace' } },
      'claims.ns',
      /unknown variable 'identiy'/,
    ],
    [
      'an unknown function',
      { condition: 'identity.ns.lowerAsci() == "x"' },
      'condition',
      /unknown function 'lowerAsci'/,
    ],
    [
      'a method without its argument',
      { condition: 'identity.ns.startsWith()' },
      'condition',
      /no overload of 'startsWith'/,
    ],
    [
      'an invalid constant regex',
      { condition: "identity.ref.matches('[main')" },
      'condition',
      /invalid regular expression/,
    ],
    ['a string condition', { condition: "'true'" }, 'condition', /must evaluate to a bool, not string/],
    [
      'an unknown variable in the actorCondition',
      { actorCondition: "actr.namespace == 'ci'" },
      'actorCondition',
      /unknown variable 'actr' \(known: claims, identity, request, actor\)/,
    ],
    ['a syntax error in the actorCondition', { actorCondition: 'actor.' }, 'actorCondition', /syntax error/],
    [
      'a string actorCondition',
      { actorCondition: "'ci'" },
      'actorCondition',
      /must evaluate to a bool, not string/,
    ],
    ['an empty actorCondition', { actorCondition: ' ' }, 'actorCondition', /must not be empty/],
    [
      'a list condition',
      { condition: '[identity.namespace]' },
      'condition',
      /must evaluate to a bool, not list/,
    ],
    [
      'an int subject',
      { subject: 'size(identity.namespace)' },
      'subject',
      /must evaluate to a non-empty string, not int/,
    ],
    ['an empty constant subject', { subject: "''" }, 'subject', /non-empty string/],
    ['a bytes claim', { claims: { raw: "b'abc'" } }, 'claims.raw', /JSON value/],
    ['a failing constant', { condition: '1 / 0 == 1' }, 'condition', /divide by zero/],
    ['a constant type error', { subject: "'a' + 1" }, 'subject', /no matching overload/],
    ['a reserved claim', { claims: { sub: 'identity.subject' } }, 'claims.sub', /reserved/],
    ['an empty claim name', { claims: { '': "'x'" } }, 'claims.', /must not be empty/],
    [
      'a too long expression',
      { condition: `${' '.repeat(MAX_EXPRESSION_BYTES - 3)}true` },
      'condition',
      /limit is 4096/,
    ],
    ['a too long multi-byte expression', { subject: `'${'é'.repeat(2048)}'` }, 'subject', /4098 bytes/],
  ])('refuses %s', (_case, overrides, field, message) => {
    const problems = problemsOf(definition(overrides));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field, message: expect.stringMatching(message) as unknown });
  });

  it.each(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'client_id', 'scope', 'act', 'cnf'])(
    'refuses the reserved claim %s',
    (name) => {
      expect(problemsOf(definition({ claims: { [name]: "'x'" } }))).toEqual([
        {
          field: `claims.${name}`,
          expression: "'x'",
          message: `'${name}' is a reserved claim set by the broker`,
        },
      ]);
    },
  );

  it('lists every bad expression at once', () => {
    const problems = problemsOf(
      definition({
        condition: 'foo == 1',
        subject: "'a' +",
        claims: { ok: 'identity.namespace', iss: "'me'", bad: 'bar.baz' },
      }),
    );
    expect(problems.map((problem) => problem.field)).toEqual([
      'condition',
      'subject',
      'claims.iss',
      'claims.bad',
    ]);
  });

  it('names the policy, fields and expressions in the error', () => {
    const error = (() => {
      try {
        compilePolicy(definition({ condition: 'foo.bar' }));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PolicyCompileError);
    expect(error).toMatchObject({
      name: 'PolicyCompileError',
      policy: 'payments-deployer',
      problems: [{ field: 'condition', expression: 'foo.bar' }],
      message: expect.stringContaining("condition: unknown variable 'foo'") as unknown,
    });
  });

  it('shortens an over-long expression in the problem', () => {
    const [problem] = problemsOf(definition({ condition: 'x'.repeat(10_000) }));
    expect(problem?.expression).toHaveLength(201);
  });

  it('keeps a frozen copy of the definition, extra fields included', () => {
    const def = { ...definition(), platform: 'prod-cluster' };
    const compiled = compilePolicy(def);
    def.audiences.push('https://evil.example');
    expect(compiled.definition.audiences).toEqual(['https://api.payments.example']);
    expect(compiled.definition.platform).toBe('prod-cluster');
    expect(Object.isFrozen(compiled.definition)).toBe(true);
  });
});
