import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import { PolicySet } from './policy-set';
import type { PolicyDefinition, PolicyInput } from './policy.types';

const NOW = new Date('2030-01-01T00:00:00Z');
const FIELDS = ['ns', 'sa', 'n', 'flag'] as const;

/** CEL constants: strings, ints, uints, a double, bools, a negative int. */
const constant = fc.constantFrom("'a'", "'b'", "'1'", '0', '1', '1u', '2', '-1', '1.0', 'true', 'false');
const field = fc.constantFrom(...FIELDS);

/** A top-level conjunct: pins in every form the index reads, and shapes that pin nothing. */
const conjunct = fc.oneof(
  fc.tuple(field, constant).map(([f, c]) => `identity.${f} == ${c}`),
  fc.tuple(field, constant).map(([f, c]) => `${c} == identity.${f}`),
  fc.tuple(field, constant).map(([f, c]) => `identity['${f}'] == ${c}`),
  fc
    .tuple(field, fc.array(constant, { minLength: 1, maxLength: 3 }))
    .map(([f, cs]) => `identity.${f} in [${cs.join(', ')}]`),
  fc.tuple(field, constant).map(([f, c]) => `identity.${f} != ${c}`),
  field.map((f) => `has(identity.${f})`),
  fc
    .tuple(field, constant, field, constant)
    .map(([f, c, g, d]) => `(identity.${f} == ${c} || identity.${g} == ${d})`),
  fc.tuple(field, constant).map(([f, c]) => `!(identity.${f} == ${c})`),
  field.map((f) => `identity.${f}.startsWith('a')`),
  fc.constantFrom('true', 'false'),
);

const condition = fc.array(conjunct, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(' && '));

interface Generated {
  condition: string;
  priority: number;
  enabled: boolean;
  mode: 'enforce' | 'audit';
  expiresAt: Date | undefined;
  subject: string | undefined;
  claims: Record<string, string>;
}

const generatedPolicy: fc.Arbitrary<Generated> = fc.record({
  condition,
  priority: fc.constantFrom(0, 0, 1, 2),
  enabled: fc.constantFrom(true, true, true, true, false),
  mode: fc.constantFrom<'enforce' | 'audit'>('enforce', 'enforce', 'enforce', 'audit'),
  expiresAt: fc.constantFrom(
    undefined,
    undefined,
    new Date('2029-01-01T00:00:00Z'),
    new Date('2031-01-01T00:00:00Z'),
  ),
  subject: fc.constantFrom(undefined, undefined, 'identity.subject', 'identity.ns', "'fixed'"),
  claims: fc.constantFrom<Record<string, string>>(
    {},
    { level: 'identity.n' },
    { team: 'identity.ns + "-team"' },
  ),
});

/** Identity values: present in every type, absent, or what no key can say (lists, maps, doubles). */
const identityValue = fc.constantFrom<unknown>(
  undefined,
  'a',
  'b',
  '1',
  'c',
  0,
  1,
  -1,
  2,
  1n,
  true,
  false,
  1.5,
  2 ** 53,
  [1],
  ['a'],
  { a: 1 },
  null,
);

const identity = fc.tuple(...FIELDS.map(() => identityValue)).map((values) => {
  const result: Record<string, unknown> = { platform: 'plat', subject: 'sub' };
  FIELDS.forEach((name, i) => {
    if (values[i] !== undefined) result[name] = values[i];
  });
  return result;
});

function compileAll(generated: readonly Generated[]): CompiledPolicy[] {
  const compiled: CompiledPolicy[] = [];
  generated.forEach((g, i) => {
    const definition: PolicyDefinition = {
      name: `p${String(i).padStart(2, '0')}`,
      condition: g.condition,
      claims: g.claims,
      audiences: [`https://api-${i}.example`],
      scopes: [`scope-${i}`],
      ttlSeconds: 60 + i,
      priority: g.priority,
      enabled: g.enabled,
      mode: g.mode,
      expiresAt: g.expiresAt,
      subject: g.subject,
    };
    try {
      compiled.push(compilePolicy(definition));
    } catch {
      // A generated condition the compiler refuses never reaches a catalog.
    }
  });
  return compiled;
}

function inputOf(identityFields: Record<string, unknown>): PolicyInput {
  return {
    claims: {},
    identity: identityFields,
    request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
  };
}

describe('PolicySet.decide against the exhaustive evaluation', () => {
  it('reaches the same match or the same denial, with the same audit-mode verdicts, for any policies and identity', () => {
    fc.assert(
      fc.property(
        fc.array(generatedPolicy, { minLength: 0, maxLength: 25 }),
        fc.array(identity, { minLength: 1, maxLength: 4 }),
        (generated, identities) => {
          const policies = compileAll(generated);
          const set = PolicySet.of(policies);
          for (const fields of identities) {
            const input = inputOf(fields);
            const exhaustive = evaluatePolicies(policies, input, NOW);
            const indexed = set.decide(input, NOW);
            expect(indexed.match).toEqual(exhaustive.match);
            expect(indexed.winner?.definition.name).toBe(exhaustive.match?.policy);
            expect(indexed.auditMode).toEqual(exhaustive.auditMode);
            const byName = new Map(exhaustive.evaluations.map((e) => [e.policy, e]));
            for (const evaluation of indexed.evaluations) {
              expect(evaluation).toEqual(byName.get(evaluation.policy));
            }
            const candidates = new Set(
              set.candidates(fields).ranks.map((rank) => set.ranked[rank]?.definition.name),
            );
            for (const { policy } of indexed.evaluations) expect(candidates.has(policy)).toBe(true);
            const ruledOut = exhaustive.evaluations.filter(
              (e) => e.mode === 'enforce' && !candidates.has(e.policy),
            );
            for (const evaluation of ruledOut) expect(evaluation.result).not.toBe('matched');
            expect(indexed.ruledOut).toBe(ruledOut.length);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
