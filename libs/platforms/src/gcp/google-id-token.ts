/** The issuer of Google-signed identity tokens, as the metadata server writes it. */
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * The scheme-less spelling Sign-In with Google may use (OpenID Connect, Google's "Validate an ID
 * token"); metadata-server tokens never carry it, so it is not accepted.
 */
export const GOOGLE_SCHEMELESS_ISSUER = 'accounts.google.com';

/** Google signs identity tokens with RS256 only (`id_token_signing_alg_values_supported`). */
export const GOOGLE_ID_TOKEN_ALGORITHMS: readonly string[] = ['RS256'];

/** Service accounts, service agents and default compute accounts all live under this domain. */
export const SERVICE_ACCOUNT_EMAIL = /^[^@\s]+@(?:[a-z0-9-]+\.)*gserviceaccount\.com$/;
