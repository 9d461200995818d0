import { z } from 'zod';
import { VerificationError } from '../../errors/verification-error';
import { parsePrincipalArn, type AwsPrincipal } from '../aws-principal-arn';

/** Who STS says signed the request. */
export interface CallerIdentityAnswer {
  principal: AwsPrincipal;
  /** The answer as STS gave it: `Account`, `Arn`, `UserId`. */
  raw: { Account: string; Arn: string; UserId: string };
}

/** STS `GetCallerIdentity` in JSON (`Accept: application/json`); other members are ignored. */
const answerSchema = z.object({
  GetCallerIdentityResponse: z.object({
    GetCallerIdentityResult: z.object({
      Account: z.string().regex(/^\d{12}$/),
      Arn: z.string().min(1).max(2048),
      UserId: z.string().min(1).max(256),
    }),
  }),
});

const errorSchema = z.object({ Error: z.object({ Code: z.string().regex(/^[A-Za-z.]{1,64}$/) }) });

/** STS error codes that say the signature or session has expired (STS API Reference, Common Errors). */
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);

/**
 * Reads a `GetCallerIdentity` answer; an answer STS should never give (not JSON, another shape, an
 * `Arn` that is not a principal of `Account`) is the verifier failing, not the credential.
 *
 * @throws {VerificationError} `verifier_unavailable`.
 */
export function readCallerIdentityAnswer(body: string): CallerIdentityAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body) as unknown;
  } catch (cause) {
    throw new VerificationError('verifier_unavailable', 'STS answered something other than JSON', { cause });
  }
  const parsed = answerSchema.safeParse(json);
  const raw = parsed.data?.GetCallerIdentityResponse.GetCallerIdentityResult;
  const principal = raw === undefined ? undefined : parsePrincipalArn(raw.Arn);
  if (raw === undefined || principal?.accountId !== raw.Account) {
    throw new VerificationError(
      'verifier_unavailable',
      'STS answered an unexpected GetCallerIdentity result',
    );
  }
  return { principal, raw };
}

/** STS's error code, from its JSON error or, should it answer XML anyway, its `<Code>` element. */
function errorCode(body: string): string {
  try {
    return errorSchema.safeParse(JSON.parse(body)).data?.Error.Code ?? '';
  } catch {
    return /<Code>([A-Za-z.]{1,64})<\/Code>/.exec(body)?.[1] ?? '';
  }
}

/** The refusal an STS client error (4xx) stands for: an expired signature or session, else a bad one. */
export function refusalFromSts(status: number, body: string): VerificationError {
  const code = errorCode(body);
  const detail = `STS refused the signed request (HTTP ${status}${code === '' ? '' : ` ${code}`})`;
  const expired = EXPIRED_CODES.has(code) || body.includes('Signature expired');
  return new VerificationError(expired ? 'expired' : 'signature_invalid', detail);
}
