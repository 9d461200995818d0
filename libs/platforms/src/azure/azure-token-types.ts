/**
 * The `subject_token_type` (RFC 8693 §3) of an Azure IMDS attested document: the body of
 * `GET /metadata/attested/document`, `{"encoding":"pkcs7","signature":"<base64 SignedData>"}`, as served.
 */
export const AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE = 'urn:fedbroker:params:azure:token-type:attested-document';
