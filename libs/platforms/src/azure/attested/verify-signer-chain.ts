import { X509Certificate } from 'node:crypto';
import type { BitString } from 'asn1js';
import { BasicConstraints, Certificate, CertificateChainValidationEngine } from 'pkijs';
import { showClock } from '../../errors/show-value';
import { VerificationError } from '../../errors/verification-error';

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
/** RFC 5280 §4.2.1.3: keyCertSign is bit 5, the sixth from the most significant bit of the first byte. */
const KEY_CERT_SIGN = 0x04;
const MIN_RSA_MODULUS_BITS = 2048;

/** The certificates a signer is checked against. */
export interface SignerTrust {
  /** Roots, pinned intermediates, or pinned signer certificates. */
  anchors: readonly X509Certificate[];
  /** CA certificates that may complete a chain, trusted only through an anchor. */
  intermediates: readonly X509Certificate[];
  now: Date;
}

const parsed = new WeakMap<X509Certificate, Certificate>();

function toPkijs(certificate: X509Certificate): Certificate {
  let converted = parsed.get(certificate);
  if (converted === undefined) {
    converted = Certificate.fromBER(new Uint8Array(certificate.raw));
    parsed.set(certificate, converted);
  }
  return converted;
}

/** The DER encoding of a certificate. */
export function derOf(certificate: Certificate): Buffer {
  return Buffer.from(certificate.toSchema().toBER(false));
}

function untrusted(message: string, cause?: unknown): VerificationError {
  return new VerificationError('issuer_not_trusted', message, { cause });
}

function checkSignerItself(signer: Certificate, now: Date): void {
  if (now < signer.notBefore.value) {
    throw new VerificationError(
      'not_yet_valid',
      `the signer certificate is not yet valid: notBefore ${showClock(signer.notBefore.value)} is after now ${showClock(now)}`,
    );
  }
  if (now > signer.notAfter.value) {
    throw new VerificationError(
      'expired',
      `the signer certificate has expired: notAfter ${showClock(signer.notAfter.value)} is before now ${showClock(now)}`,
    );
  }
  const bits = new X509Certificate(derOf(signer)).publicKey.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_MODULUS_BITS) {
    throw new VerificationError('algorithm_not_allowed', 'the signer key is shorter than 2048 bits');
  }
}

function pathLength(constraint: number | { valueBlock: { valueDec: number } } | undefined): number {
  if (constraint === undefined) return Infinity;
  return typeof constraint === 'number' ? constraint : constraint.valueBlock.valueDec;
}

/**
 * RFC 5280 §6.1.4 (k), (l), (n): an issuing certificate must be a CA, allow the intermediates below
 * it, and, when it restricts its key usage, allow certificate signing. pkijs checks the first and
 * the last, not the path length; all three are checked here so the rule does not rest on it.
 */
function mayIssue(certificate: Certificate, intermediatesBelow: number): boolean {
  const extensions = certificate.extensions ?? [];
  const constraints: unknown = extensions.find((e) => e.extnID === BASIC_CONSTRAINTS)?.parsedValue;
  if (!(constraints instanceof BasicConstraints) || !constraints.cA) return false;
  if (pathLength(constraints.pathLenConstraint) < intermediatesBelow) return false;
  const usage = extensions.find((e) => e.extnID === KEY_USAGE)?.parsedValue as BitString | undefined;
  return usage === undefined || ((usage.valueBlock.valueHexView[0] ?? 0) & KEY_CERT_SIGN) !== 0;
}

/**
 * Trusts a document's signer certificate: valid at `now`, and either pinned itself or chaining
 * through CA certificates (the document's own and the configured intermediates) to an anchor.
 * Revocation is not checked: the broker does not call out to CRL or OCSP endpoints.
 *
 * @throws {VerificationError} `issuer_not_trusted`, `expired`, `not_yet_valid` or `algorithm_not_allowed`.
 */
export async function verifySignerChain(
  signer: Certificate,
  embedded: readonly Certificate[],
  trust: SignerTrust,
): Promise<void> {
  checkSignerItself(signer, trust.now);
  const signerDer = derOf(signer);
  if (trust.anchors.some((anchor) => anchor.raw.equals(signerDer))) return;
  const others = embedded.filter((certificate) => !derOf(certificate).equals(signerDer));
  const engine = new CertificateChainValidationEngine({
    trustedCerts: trust.anchors.map(toPkijs),
    // pkijs validates the last certificate of the list as the end entity: the signer goes last.
    certs: [...trust.intermediates.map(toPkijs), ...others, signer],
    checkDate: trust.now,
  });
  const result = await engine.verify();
  const path = result.certificatePath ?? [];
  if (!result.result || path[0] === undefined || !derOf(path[0]).equals(signerDer)) {
    const reason = result.resultMessage === '' ? '' : ` (${result.resultMessage})`;
    throw untrusted(`the signer certificate does not chain to a trusted certificate${reason}`, result.error);
  }
  if (!path.slice(1).every((issuer, index) => mayIssue(issuer, index))) {
    throw untrusted('a certificate of the chain is not allowed to issue certificates');
  }
}
