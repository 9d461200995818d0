import { X509Certificate } from 'node:crypto';
import type { Certificate } from 'pkijs';
import { VerificationError } from '../../errors/verification-error';
import { derOf } from './verify-signer-chain';

/** The DNS names of a certificate: its subjectAltName dNSNames, else its subject common name. */
function dnsNames(certificate: X509Certificate): string[] {
  const alternatives = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  if (alternatives.length > 0) return alternatives;
  const commonName = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
  return commonName === undefined ? [] : [commonName];
}

/**
 * The configured name a document's signer certificate is issued to, itself or as a subdomain
 * (IMDS certificates name `metadata.azure.com` and regional subdomains of it).
 *
 * @throws {VerificationError} `issuer_not_trusted` when it names none of them.
 */
export function signerName(signer: Certificate, allowed: readonly string[]): string {
  const names = dnsNames(new X509Certificate(derOf(signer))).map((name) => name.toLowerCase());
  const match = allowed.find((expected) =>
    names.some((name) => name === expected || name.endsWith(`.${expected}`)),
  );
  if (match === undefined) {
    throw new VerificationError(
      'issuer_not_trusted',
      `the signer certificate is not issued to ${allowed.join(' or ')}`,
    );
  }
  return match;
}
