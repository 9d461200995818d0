import type { SignedData } from 'pkijs';

/** An instance identity document as presented, in one of its two signed forms. */
export type InstanceIdentityCredential =
  /** The `/signature` form: RSA PKCS #1 v1.5 with SHA-256 over the exact document bytes. */
  | { form: 'signature'; document: string; signature: Buffer }
  /** The `/rsa2048` form: a PKCS #7 SignedData that embeds the document. */
  | { form: 'pkcs7'; document: string; signedData: SignedData };
