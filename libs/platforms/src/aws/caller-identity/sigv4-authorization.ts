import { VerificationError } from '../../errors/verification-error';

/** The parts of a SigV4 `Authorization` header (AWS General Reference, "Signature Version 4"). */
export interface SigV4Authorization {
  accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  /** Lowercase hex. */
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,32})\/aws4_request,\s?SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*),\s?Signature=([0-9a-f]{64})$/;

/**
 * Reads a SigV4 `Authorization` header value.
 *
 * @throws {VerificationError} `malformed` when it is not one.
 */
export function parseSigV4Authorization(value: string): SigV4Authorization {
  const match = AUTHORIZATION.exec(value);
  if (match === null) {
    throw new VerificationError('malformed', 'the Authorization header is not an AWS4-HMAC-SHA256 signature');
  }
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] =
    match;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}
