import { plan } from '@bufbuild/cel';
import { ExprSchema } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { policyEnvironment, type CelProgram } from './cel-environment';
import type { CelExpr } from './inspect-expression';

/**
 * How many planned programs are kept, the most recently run first. A planned expression holds
 * about 5 KB; ten thousand policies would hold all of theirs for good.
 */
export const PLANNED_PROGRAMS = 1024;

/** Planned programs by source, in the order they were last run (oldest first). */
const planned = new Map<string, CelProgram>();

/** The program of each source still in use, so that policies sharing a source share one. */
const bySource = new Map<string, WeakRef<CelProgram>>();
const forgetSource = new FinalizationRegistry<string>((source) => {
  if (bySource.get(source)?.deref() === undefined) bySource.delete(source);
});

/**
 * A program that keeps `expr` encoded (a few hundred bytes) and runs its plan from a cache of the
 * {@link PLANNED_PROGRAMS} most recently run; evicted, it is planned again from the encoded tree,
 * which is several times cheaper than parsing `source` again. `program`, planned by the caller
 * from `expr`, seeds the cache. The result is the same whichever way the plan was made: a plan
 * depends on the expression alone.
 */
export function plannedProgram(source: string, expr: CelExpr, program: CelProgram): CelProgram {
  remember(source, program);
  const shared = bySource.get(source)?.deref();
  if (shared !== undefined) return shared;
  const encoded = toBinary(ExprSchema, expr);
  const lazy: CelProgram = (bindings) => programOf(source, encoded)(bindings);
  bySource.set(source, new WeakRef(lazy));
  forgetSource.register(lazy, source);
  return lazy;
}

function programOf(source: string, encoded: Uint8Array): CelProgram {
  const cached = planned.get(source);
  if (cached !== undefined) {
    planned.delete(source);
    planned.set(source, cached);
    return cached;
  }
  const program = plan(policyEnvironment, fromBinary(ExprSchema, encoded));
  remember(source, program);
  return program;
}

function remember(source: string, program: CelProgram): void {
  planned.delete(source);
  planned.set(source, program);
  if (planned.size > PLANNED_PROGRAMS) {
    const oldest = planned.keys().next();
    if (oldest.done !== true) planned.delete(oldest.value);
  }
}
