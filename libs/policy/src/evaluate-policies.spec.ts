import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import type { PolicyDefinition, PolicyInput } from './policy.types';

function policy(overrides: Partial<PolicyDefinition> = {}): CompiledPolicy {
  return compilePolicy({
    name: 'p',
    condition: 'true',
    claims: {},
    audiences: ['https://api.payments.example'],
    scopes: ['payments.read'],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  });
}

const input: PolicyInput = {
  claims: {
    iss: 'https://kubernetes.default.svc',
    sub: 'system:serviceaccount:payments:deployer',
    exp: 1_700_000_900,
    iat: 1_700_000_000,
    ratio: 0.25,
    whole: 2.0,
    huge: 2 ** 60,
    groups: ['ops', 'dev'],
    'kubernetes.io': { namespace: 'payments', pod: { name: 'deployer-7f9' } },
  },
  identity: {
    platform: 'prod-cluster',
    kind: 'kubernetes',
    subject: 'system:serviceaccount:payments:deployer',
    namespace: 'payments',
    serviceAccount: 'deployer',
    audience: ['https://broker.example'],
    issuedAt: 1_700_000_000,
    refProtected: true,
    environment: undefined,
    labels: { team: 'payments' },
  },
  request: {
    audience: ['https://api.payments.example'],
    scopes: ['payments.read'],
    grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  },
};

/** How the evaluation of a policy named `x` of default priority and mode begins. */
const X = { policy: 'x', priority: 0, mode: 'enforce' } as const;

function conditionResult(condition: string): string | undefined {
  return evaluatePolicies([policy({ condition })], input).evaluations[0]?.result;
}

describe('evaluatePolicies', () => {
  describe('result kinds', () => {
    it('reports a matching policy as matched and grants it', () => {
      const decision = evaluatePolicies(
        [policy({ name: 'ok', condition: "identity.namespace == 'payments'" })],
        input,
      );
      expect(decision.evaluations).toEqual([
        { policy: 'ok', priority: 0, mode: 'enforce', result: 'matched' },
      ]);
      expect(decision.match).toEqual({
        policy: 'ok',
        subject: 'prod-cluster:system:serviceaccount:payments:deployer',
        claims: {},
        audiences: ['https://api.payments.example'],
        scopes: ['payments.read'],
        ttlSeconds: 900,
      });
    });

    it.each<[string, string, string, RegExp]>([
      ['a false condition', "identity.namespace == 'billing'", 'not_matched', /condition is false/],
      ['a missing key', "identity.environment == 'prod'", 'error', /condition: .*environment/],
      ['a non-bool result', 'claims.iss', 'error', /condition: must evaluate to a bool, not string/],
      ['a type error', 'identity.namespace + 1 == 2', 'error', /condition: .*no matching overload/],
      [
        'a regex on a variable pattern that is invalid',
        "identity.namespace.matches(identity.namespace + '[')",
        'error',
        /regexp/,
      ],
    ])('reports %s as %s without a match', (_case, condition, result, reason) => {
      const decision = evaluatePolicies([policy({ name: 'x', condition })], input);
      expect(decision.match).toBeUndefined();
      expect(decision.evaluations).toEqual([
        { ...X, result, reason: expect.stringMatching(reason) as unknown },
      ]);
    });

    it('reports a disabled policy as disabled and never grants it', () => {
      const decision = evaluatePolicies([policy({ name: 'off', enabled: false })], input);
      expect(decision).toEqual({
        evaluations: [
          { policy: 'off', priority: 0, mode: 'enforce', result: 'disabled', reason: 'policy is disabled' },
        ],
        auditMode: [],
      });
    });

    it('denies by default when there is no policy', () => {
      expect(evaluatePolicies([], input)).toEqual({ evaluations: [], auditMode: [] });
    });
  });

  describe('ranking', () => {
    it.each<[string, Partial<PolicyDefinition>[], string]>([
      [
        'the highest priority',
        [
          { name: 'a', priority: 1 },
          { name: 'b', priority: 5 },
          { name: 'c', priority: -1 },
        ],
        'b',
      ],
      ['the first name on equal priority', [{ name: 'zeta' }, { name: 'alpha' }, { name: 'mid' }], 'alpha'],
      [
        'priority before name',
        [
          { name: 'a', priority: 0 },
          { name: 'z', priority: 1 },
        ],
        'z',
      ],
      [
        'a lower match over a higher non-match',
        [{ name: 'hi', priority: 9, condition: 'false' }, { name: 'lo' }],
        'lo',
      ],
      [
        'a lower match over a higher disabled one',
        [{ name: 'hi', priority: 9, enabled: false }, { name: 'lo' }],
        'lo',
      ],
    ])('grants %s', (_case, overrides, winner) => {
      expect(evaluatePolicies(overrides.map(policy), input).match?.policy).toBe(winner);
    });

    it('lists every evaluation, ranked by priority then name', () => {
      const decision = evaluatePolicies(
        [
          policy({ name: 'b', priority: 1 }),
          policy({ name: 'a', priority: 1, condition: 'false' }),
          policy({ name: 'c', priority: 2, enabled: false }),
          policy({ name: 'd', priority: 0 }),
        ],
        input,
      );
      expect(decision.evaluations.map(({ policy: name, result }) => [name, result])).toEqual([
        ['c', 'disabled'],
        ['a', 'not_matched'],
        ['b', 'matched'],
        ['d', 'matched'],
      ]);
      expect(decision.match?.policy).toBe('b');
    });
  });

  describe('absent fields', () => {
    it.each([
      ['has() on an absent identity field', 'has(identity.environment)', false],
      ['has() on a present identity field', 'has(identity.namespace)', true],
      ['has() on an undefined field', '!has(identity.environment) && has(identity.refProtected)', true],
      ['has() on an absent raw claim', 'has(claims.email)', false],
      ['has() on a nested claim', "has(claims['kubernetes.io'].pod.name)", true],
      ['a guarded comparison', "has(identity.environment) && identity.environment == 'prod'", false],
      [
        'a default with the conditional',
        "(has(identity.environment) ? identity.environment : 'none') == 'none'",
        true,
      ],
      ['in on map keys', "'namespace' in identity", true],
    ])('evaluates %s', (_case, condition, expected) => {
      expect(conditionResult(condition)).toBe(expected ? 'matched' : 'not_matched');
    });
  });

  describe('numbers: safe integers are CEL int, other numbers double', () => {
    it.each([
      ['an int claim against an int literal', 'claims.exp > 100'],
      ['an int identity field', 'identity.issuedAt > 0'],
      ['int arithmetic', 'claims.exp - claims.iat == 900'],
      ['the type of an integer', 'type(claims.exp) == int'],
      ['an integer-valued double from JSON', 'type(claims.whole) == int && claims.whole == 2'],
      ['the type of a fraction', 'type(claims.ratio) == double'],
      ['a double against an int literal', 'claims.ratio < 1'],
      ['a double against a double literal', 'claims.ratio == 0.25'],
      ['a number beyond 2^53 as double', 'type(claims.huge) == double'],
      ['mixed int and double equality', 'claims.whole == 2.0'],
    ])('evaluates %s', (_case, condition) => {
      expect(conditionResult(condition)).toBe('matched');
    });

    it('reports int-double arithmetic as an error, as CEL has no implicit conversion', () => {
      expect(conditionResult('claims.exp + claims.ratio > 0')).toBe('error');
    });
  });

  describe('string and list functions', () => {
    it.each([
      ['startsWith', "identity.subject.startsWith('system:serviceaccount:')", true],
      ['endsWith', "identity.subject.endsWith(':deployer')", true],
      ['matches, anchored', "identity.subject.matches('^system:serviceaccount:payments:[a-z]+$')", true],
      ['matches, no match', "identity.namespace.matches('^pay$')", false],
      ['contains', "identity.subject.contains(':payments:')", true],
      ['in a literal list', "identity.namespace in ['payments', 'billing']", true],
      ['in a request list', "'https://api.payments.example' in request.audience", true],
      ['not in a claim list', "!('admins' in claims.groups)", true],
      ['exists over a list', "claims.groups.exists(g, g.startsWith('op'))", true],
      ['all over the requested scopes', "request.scopes.all(s, s.startsWith('payments.'))", true],
      ['size', 'size(claims.groups) == 2', true],
      ['the strings extension', "identity.serviceAccount.upperAscii() == 'DEPLOYER'", true],
      ['a nested map', "identity.labels.team == 'payments'", true],
      ['the grant type', "request.grantType.endsWith(':jwt-bearer')", true],
    ])('evaluates %s', (_case, condition, expected) => {
      expect(conditionResult(condition)).toBe(expected ? 'matched' : 'not_matched');
    });
  });

  describe('subject', () => {
    it('defaults to the platform name and identity.subject, unambiguous across platforms', () => {
      expect(evaluatePolicies([policy()], input).match?.subject).toBe(
        'prod-cluster:system:serviceaccount:payments:deployer',
      );
      const other = { ...input, identity: { ...input.identity, platform: 'dev-cluster' } };
      expect(evaluatePolicies([policy()], other).match?.subject).toBe(
        'dev-cluster:system:serviceaccount:payments:deployer',
      );
    });

    it('evaluates the subject expression', () => {
      const decision = evaluatePolicies(
        [policy({ subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount" })],
        input,
      );
      expect(decision.match?.subject).toBe('k8s:payments:deployer');
    });

    it.each<[string, Partial<PolicyDefinition>, PolicyInput, RegExp]>([
      [
        'a non-string subject',
        { subject: 'claims.exp' },
        input,
        /subject: must evaluate to a non-empty string, not int/,
      ],
      [
        'an empty subject',
        { subject: 'identity.namespace.substring(0, 0)' },
        input,
        /subject: .*an empty string/,
      ],
      ['a missing field', { subject: 'identity.environment' }, input, /subject: .*environment/],
      [
        'no identity.subject',
        {},
        { ...input, identity: { namespace: 'payments' } },
        /identity.subject is missing/,
      ],
    ])('reports %s as an error', (_case, overrides, given, reason) => {
      const decision = evaluatePolicies([policy({ name: 'x', ...overrides })], given);
      expect(decision.match).toBeUndefined();
      expect(decision.evaluations).toEqual([
        { ...X, result: 'error', reason: expect.stringMatching(reason) as unknown },
      ]);
    });
  });

  describe('claims mapping', () => {
    it.each<[string, string, unknown]>([
      ['a string', 'identity.namespace', 'payments'],
      ['a bool', 'identity.refProtected', true],
      ['an int as a number', 'claims.exp', 1_700_000_900],
      ['a double', 'claims.ratio', 0.25],
      ['an int computed', 'size(claims.groups)', 2],
      ['a uint', '7u', 7],
      ['null', 'null', null],
      ['a list', 'claims.groups', ['ops', 'dev']],
      ['a mapped list', 'claims.groups.map(g, g.upperAscii())', ['OPS', 'DEV']],
      ['a map', "{'ns': identity.namespace, 'n': 1, 'tags': ['a']}", { ns: 'payments', n: 1, tags: ['a'] }],
      [
        'a nested raw claim',
        "claims['kubernetes.io']",
        { namespace: 'payments', pod: { name: 'deployer-7f9' } },
      ],
    ])('maps %s', (_case, expression, expected) => {
      const decision = evaluatePolicies([policy({ claims: { value: expression } })], input);
      expect(decision.match?.claims).toEqual({ value: expected });
    });

    it('maps several claims together, with a key named __proto__ kept as data', () => {
      const decision = evaluatePolicies(
        [policy({ claims: { ns: 'identity.namespace', ['__proto__']: "'x'", groups: 'claims.groups' } })],
        input,
      );
      const claims = decision.match?.claims;
      expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
      expect(Object.keys(claims ?? {})).toEqual(['ns', '__proto__', 'groups']);
    });

    it.each<[string, string, RegExp]>([
      ['an int beyond 2^53', 'claims.exp * 10000000', /claims.value: .*beyond the safe JSON range/],
      ['a non-finite double', 'claims.ratio / 0.0', /claims.value: .*Infinity is not a JSON number/],
      ['a map with an int key', '{1: identity.namespace}', /claims.value: .*map key 1 is not a string/],
      ['bytes', 'bytes(identity.namespace)', /claims.value: .*bytes has no JSON form/],
      [
        'a duration',
        "duration(string(claims.exp - claims.iat) + 's')",
        /claims.value: .*Duration has no JSON form/,
      ],
      ['a missing field', 'identity.environment', /claims.value: .*environment/],
    ])('reports %s as an error', (_case, expression, reason) => {
      const decision = evaluatePolicies([policy({ name: 'x', claims: { value: expression } })], input);
      expect(decision.match).toBeUndefined();
      expect(decision.evaluations[0]?.reason).toMatch(reason);
    });
  });

  describe('runtime error isolation', () => {
    it('denies when the winner cannot build its grant, rather than fall back to a lower policy', () => {
      const decision = evaluatePolicies(
        [
          policy({ name: 'broken', priority: 10, claims: { env: 'identity.environment' } }),
          policy({ name: 'lower', priority: 1 }),
        ],
        input,
      );
      expect(decision.match).toBeUndefined();
      expect(decision.evaluations).toEqual([
        {
          policy: 'broken',
          priority: 10,
          mode: 'enforce',
          result: 'error',
          reason: expect.stringMatching(/^claims.env: /) as unknown,
        },
        { policy: 'lower', priority: 1, mode: 'enforce', result: 'matched' },
      ]);
    });

    it('keeps evaluating after a policy whose condition fails', () => {
      const decision = evaluatePolicies(
        [policy({ name: 'a', condition: 'identity.nope == 1' }), policy({ name: 'b' })],
        input,
      );
      expect(decision.evaluations.map((evaluation) => evaluation.result)).toEqual(['error', 'matched']);
      expect(decision.match?.policy).toBe('b');
    });

    it('never throws on odd input', () => {
      const odd = {
        claims: { fn: () => 1, sym: Symbol('s'), date: new Date(0), deep: nest(100) },
        identity: { platform: 'p', subject: 'x' },
        request: { audience: [], scopes: [], grantType: '' },
      } satisfies PolicyInput;
      const decision = evaluatePolicies([policy({ condition: '!has(claims.fn) && !has(claims.date)' })], odd);
      expect(decision.match?.subject).toBe('p:x');
    });
  });

  describe('compile once, evaluate many', () => {
    it('gives the same decision over many inputs with one compiled policy', () => {
      const compiled = [policy({ name: 'even', condition: 'claims.n % 2 == 0', claims: { n: 'claims.n' } })];
      const granted = Array.from(
        { length: 500 },
        (_, n) => evaluatePolicies(compiled, { ...input, claims: { n } }).match?.claims['n'],
      ).filter((n) => n !== undefined);
      expect(granted).toHaveLength(250);
      expect(granted.every((n) => typeof n === 'number' && n % 2 === 0)).toBe(true);
    });

    it('does not mutate the input or the compiled policy', () => {
      const compiled = [policy({ claims: { groups: 'claims.groups' } })];
      const snapshot = structuredClone(input);
      const first = evaluatePolicies(compiled, input).match;
      first?.audiences.push('https://evil.example');
      expect(input).toEqual(snapshot);
      expect(evaluatePolicies(compiled, input).match?.audiences).toEqual(['https://api.payments.example']);
    });
  });
});

function nest(depth: number): Record<string, unknown> {
  return depth === 0 ? { leaf: true } : { child: nest(depth - 1) };
}
