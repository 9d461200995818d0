import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { AWS_CREDENTIAL_FORMS } from './aws-credential-forms';

/** `GetWebIdentityToken` issues tokens for 60 s to 1 h (default 5 min). */
export const DEFAULT_AWS_MAX_TOKEN_LIFETIME_SECONDS = 3600;
/** STS itself refuses a signed request whose `X-Amz-Date` is more than 15 min away. */
export const DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS = 900;
/** An instance identity document never expires: it is accepted this long after `pendingTime`. */
export const DEFAULT_AWS_MAX_DOCUMENT_AGE_SECONDS = 600;
/** The longest any AWS credential is accepted, whatever the settings. */
export const AWS_MAX_CREDENTIAL_AGE_SECONDS = 3600;

/** An AWS region name (`us-east-1`, `us-gov-west-1`, `ap-southeast-2`…). */
export const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates of a bundle, in order. */
export function pemCertificates(bundle: string): string[] {
  return bundle.match(PEM_CERTIFICATE) ?? [];
}

const certificateBundle = z
  .string()
  .max(65_536)
  .superRefine((bundle, ctx) => {
    const pems = pemCertificates(bundle);
    if (pems.length === 0) ctx.addIssue({ code: 'custom', message: 'must hold PEM certificates' });
    try {
      pems.forEach((pem) => new X509Certificate(pem));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'holds a certificate that cannot be parsed' });
    }
  });

/** `settings` of an `aws` platform. */
export const awsSettingsSchema = z.strictObject({
  /** The one AWS account whose credentials the platform accepts. */
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID'),
  /** Which credentials the platform accepts; instance identity documents only when listed. */
  credentials: z
    .array(z.enum(AWS_CREDENTIAL_FORMS))
    .min(1)
    .refine((forms) => new Set(forms).size === forms.length, 'must not repeat a value')
    .default(['web-identity-token', 'caller-identity']),
  /** Cap on a web identity token's `exp - iat`. Default 1 h. */
  maxTokenLifetimeSeconds: z.number().int().positive().max(DEFAULT_AWS_MAX_TOKEN_LIFETIME_SECONDS).optional(),
  /** Oldest `X-Amz-Date` of a signed request. Default 15 min. */
  maxRequestAgeSeconds: z.number().int().positive().max(DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS).optional(),
  /** Oldest `pendingTime` of an instance identity document. Default 10 min, at most 1 h. */
  maxDocumentAgeSeconds: z.number().int().positive().max(AWS_MAX_CREDENTIAL_AGE_SECONDS).optional(),
  /** Region to PEM certificates verifying instance identity documents; replaces the shipped ones. */
  regionCertificates: z
    .record(z.string().regex(AWS_REGION, 'must be an AWS region name'), certificateBundle)
    .optional(),
});

/** Parsed `settings` of an `aws` platform. */
export type AwsSettings = z.infer<typeof awsSettingsSchema>;
