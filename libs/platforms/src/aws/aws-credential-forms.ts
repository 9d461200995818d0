/** RFC 8693 `subject_token_type` of a signed `GetCallerIdentity` request, as Google's STS names it. */
export const AWS4_REQUEST_TOKEN_TYPE = 'urn:ietf:params:aws:token-type:aws4_request';

/** RFC 8693 `subject_token_type` of an EC2 instance identity document with its signature. */
export const INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE =
  'urn:fedbroker:params:aws:token-type:instance-identity-document';

/**
 * The three AWS credentials an `aws` platform may accept: a `GetWebIdentityToken` JWT, a signed
 * `GetCallerIdentity` request, an EC2 instance identity document.
 */
export const AWS_CREDENTIAL_FORMS = [
  'web-identity-token',
  'caller-identity',
  'instance-identity-document',
] as const;

/** One of {@link AWS_CREDENTIAL_FORMS}; also the identity's `credentialType`. */
export type AwsCredentialForm = (typeof AWS_CREDENTIAL_FORMS)[number];
