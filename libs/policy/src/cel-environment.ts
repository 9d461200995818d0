import { celEnv, CelScalar, mapType, type CelInput, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

const jsonObject = mapType(CelScalar.STRING, CelScalar.DYN);

/** The top-level variables of every policy expression. */
export const POLICY_VARIABLES: ReadonlySet<string> = new Set(['claims', 'identity', 'request', 'actor']);

/**
 * The single CEL environment of trust policies: the standard library, the `strings` extension
 * (`lowerAscii`, `split`, `replace`, …) and the variables `claims`, `identity`, `request` and
 * `actor` (the RFC 8693 actor's normalized identity; empty without an actor token), each a map from
 * string to dyn.
 */
export const policyEnvironment = celEnv({
  funcs: strings,
  variables: { claims: jsonObject, identity: jsonObject, request: jsonObject, actor: jsonObject },
});

/** Values bound to the policy variables for one evaluation. */
export interface PolicyBindings {
  claims: ReadonlyMap<string, CelInput>;
  identity: ReadonlyMap<string, CelInput>;
  request: ReadonlyMap<string, CelInput>;
  actor: ReadonlyMap<string, CelInput>;
}

/** A planned expression: parsed and checked once, run many times. */
export type CelProgram = (bindings: PolicyBindings) => CelResult;
