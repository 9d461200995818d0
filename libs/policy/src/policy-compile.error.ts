/** One rejected expression of a policy. */
export interface PolicyProblem {
  /** Where the expression sits: `condition`, `subject` or `claims.<name>`. */
  field: string;
  /** The expression as submitted (shortened when over the length cap). */
  expression: string;
  message: string;
}

/**
 * Thrown by `compilePolicy` when any expression of a policy is invalid; lists every problem, not
 * only the first, so an admin fixes the policy in one round trip.
 */
export class PolicyCompileError extends Error {
  override readonly name = 'PolicyCompileError';

  constructor(
    readonly policy: string,
    readonly problems: readonly PolicyProblem[],
  ) {
    super(
      `policy '${policy}' does not compile: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
    );
  }
}
