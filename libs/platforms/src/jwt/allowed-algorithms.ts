/** Asymmetric JWS algorithms accepted from platforms (RFC 8725 §3.1): never `none`, never HMAC. */
export const ALLOWED_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
