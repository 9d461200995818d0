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
  return generated.flatMap((g, i) => compileOne(g, `p${String(i).padStart(2, '0')}`, i) ?? []);
}

function compileOne(g: Generated, name: string, i: number): CompiledPolicy | undefined {
  const definition: PolicyDefinition = {
    name,
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
    return compilePolicy(definition);
  } catch {
    // A generated condition the compiler refuses never reaches a catalog.
    return undefined;
  }
}

/** One edit of a step: a policy removed, added, or replaced by a new version under its name. */
const edit = fc.tuple(fc.constantFrom('remove', 'add', 'replace'), fc.nat(), generatedPolicy);

/** `policies` after one step's edits, and the change that step is to a {@link PolicySet}. */
function applyStep(
  policies: readonly CompiledPolicy[],
  edits: readonly (readonly ['remove' | 'add' | 'replace', number, Generated])[],
  step: number,
): { policies: CompiledPolicy[]; removed: CompiledPolicy[]; added: CompiledPolicy[] } {
  const removed: CompiledPolicy[] = [];
  const added: CompiledPolicy[] = [];
  edits.forEach(([kind, pick, generated], i) => {
    const target = policies[pick % Math.max(1, policies.length)];
    if (kind === 'add') {
      const policy = compileOne(generated, `s${step}-${i}`, 100 * step + i);
      if (policy !== undefined) added.push(policy);
      return;
    }
    if (target === undefined || removed.includes(target)) return;
    const replacement =
      kind === 'replace' ? compileOne(generated, target.definition.name, 100 * step + i) : undefined;
    if (kind === 'replace' && replacement === undefined) return;
    removed.push(target);
    if (replacement !== undefined) added.push(replacement);
  });
  return { policies: [...policies.filter((p) => !removed.includes(p)), ...added], removed, added };
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
              set.candidates(fields).policies.map((policy) => policy.definition.name),
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

describe('PolicySet.with against a set built afresh', () => {
  it('decides, names candidates and finds overlaps as the set built from the same policies, after any steps of changes', () => {
    fc.assert(
      fc.property(
        fc.array(generatedPolicy, { minLength: 0, maxLength: 20 }),
        fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(identity, { minLength: 1, maxLength: 3 }),
        (generated, steps, identities) => {
          let policies = compileAll(generated);
          let derived = PolicySet.of(policies);
          steps.forEach((edits, step) => {
            const next = applyStep(policies, edits, step);
            policies = next.policies;
            derived = derived.with(next);
          });
          const fresh = PolicySet.of(policies);
          expect(derived.ranked).toEqual(fresh.ranked);
          expect(derived.enforced).toBe(fresh.enforced);
          for (const fields of identities) {
            const input = inputOf(fields);
            expect(derived.decide(input, NOW)).toEqual(fresh.decide(input, NOW));
            expect(derived.candidates(fields)).toEqual(fresh.candidates(fields));
          }
          for (const policy of policies) {
            expect(derived.overlapping(policy.facts.pins)).toEqual(fresh.overlapping(policy.facts.pins));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
