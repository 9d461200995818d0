import { z } from 'zod';
import { VerificationError } from '../../errors/verification-error';

/** The subject token as Google's STS defines it for `…:aws4_request`: a serialized signed request. */
export interface SerializedRequest {
  url: string;
  method: string;
  headers: { key: string; value: string }[];
  body?: string | undefined;
}

/** RFC 9110 §5.1 field names and §5.5 field values (no CR, LF or NUL). */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const serializedRequestSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  method: z.string().min(1).max(16),
  headers: z
    .array(
      z.strictObject({
        key: z.string().max(128).regex(FIELD_NAME),
        value: z.string().max(4096).regex(FIELD_VALUE),
      }),
    )
    .min(1)
    .max(32),
  body: z.string().max(1024).optional(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new VerificationError('malformed', 'the signed request is not JSON', { cause });
  }
}

/**
 * Decodes the subject token of a signed `GetCallerIdentity` request: the JSON
 * `{"url", "method", "headers": [{"key", "value"}…], "body"?}`, URL-encoded (as Google's client
 * libraries send it) or plain.
 *
 * @throws {VerificationError} `malformed`.
 */
export function decodeSignedRequest(token: string): SerializedRequest {
  let text = token;
  if (/^%7b/i.test(token)) {
    try {
      text = decodeURIComponent(token);
    } catch (cause) {
      throw new VerificationError('malformed', 'the signed request is not URL-encoded JSON', { cause });
    }
  }
  const parsed = serializedRequestSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new VerificationError(
      'malformed',
      `the signed request is not a serialized request (${field || 'shape'})`,
    );
  }
  return parsed.data;
}
