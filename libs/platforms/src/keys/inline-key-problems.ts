import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';
import { unusableKeyReason } from './unusable-key-reason';

/**
 * The inline keys that could never verify a token (see {@link unusableKeyReason}), each named by its
 * field (`jwks.keys.1`). Keys `reported` already names are skipped, so that each key is refused for
 * one reason.
 */
export async function inlineKeyProblems(
  jwks: PlatformRegistration['jwks'],
  reported: readonly RegistrationProblem[] = [],
): Promise<RegistrationProblem[]> {
  if (jwks === undefined || !Array.isArray(jwks.keys)) return [];
  const named = new Set(reported.map((problem) => problem.field));
  const problems = await Promise.all(
    jwks.keys.map(async (key, index): Promise<RegistrationProblem[]> => {
      const field = `jwks.keys.${index}`;
      if (named.has(field) || named.has('jwks')) return [];
      const reason = await unusableKeyReason(key);
      return reason === undefined
        ? []
        : [{ field, message: `cannot be used as a public key to verify signatures: ${reason}` }];
    }),
  );
  return problems.flat();
}
