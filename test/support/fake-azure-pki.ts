import { randomBytes, webcrypto } from 'node:crypto';
import { BitString, Integer, OctetString, Utf8String } from 'asn1js';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  BasicConstraints,
  Certificate,
  ContentInfo,
  EncapsulatedContentInfo,
  Extension,
  GeneralName,
  GeneralNames,
  IssuerAndSerialNumber,
  RelativeDistinguishedNames,
  SignedData,
  SignerInfo,
} from 'pkijs';

/** A certificate issued for a test, with its private key. */
export interface TestCertificate {
  pem: string;
  certificate: Certificate;
  privateKey: webcrypto.CryptoKey;
}

/** What {@link issueCertificate} makes. */
export interface CertificateOptions {
  commonName: string;
  /** subjectAltName dNSNames. */
  dnsNames?: string[];
  /** Signs the certificate; without it the certificate is self-signed. */
  issuer?: TestCertificate;
  ca?: boolean;
  pathLength?: number;
  /** keyUsage first byte (RFC 5280 §4.2.1.3); default keyCertSign + cRLSign + digitalSignature for a CA. */
  keyUsage?: number;
  notBefore: Date;
  notAfter: Date;
  modulusLength?: number;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const DATA = '1.2.840.113549.1.7.1';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const DAY_MS = 86_400_000;

function distinguishedName(commonName: string): RelativeDistinguishedNames {
  return new RelativeDistinguishedNames({
    typesAndValues: [
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new Utf8String({ value: commonName }) }),
    ],
  });
}

function extension(
  extnID: string,
  critical: boolean,
  value: { toBER(sizeOnly?: boolean): ArrayBuffer },
): Extension {
  return new Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function toPem(certificate: Certificate): string {
  const base64 = Buffer.from(certificate.toSchema().toBER(false)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/** Issues an RSA certificate with pkijs: a CA, or a leaf naming `dnsNames`. */
export async function issueCertificate(options: CertificateOptions): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey(
    { ...RSA, modulusLength: options.modulusLength ?? 2048 },
    true,
    ['sign', 'verify'],
  );
  const certificate = new Certificate();
  certificate.version = 2;
  certificate.serialNumber = new Integer({ valueHex: Uint8Array.from([0x01, ...randomBytes(15)]).buffer });
  certificate.subject = distinguishedName(options.commonName);
  certificate.issuer = options.issuer?.certificate.subject ?? distinguishedName(options.commonName);
  certificate.notBefore.value = options.notBefore;
  certificate.notAfter.value = options.notAfter;
  const ca = options.ca ?? false;
  const keyUsage = options.keyUsage ?? (ca ? 0x86 : 0xb0);
  certificate.extensions = [
    extension(
      '2.5.29.19',
      true,
      new BasicConstraints({
        cA: ca,
        ...(options.pathLength === undefined ? {} : { pathLenConstraint: options.pathLength }),
      }).toSchema(),
    ),
    extension(
      '2.5.29.15',
      true,
      new BitString({ valueHex: Uint8Array.from([keyUsage]).buffer, unusedBits: 1 }),
    ),
  ];
  if (options.dnsNames !== undefined) {
    const names = new GeneralNames({
      names: options.dnsNames.map((value) => new GeneralName({ type: 2, value })),
    });
    certificate.extensions.push(extension('2.5.29.17', false, names.toSchema()));
  }
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey);
  await certificate.sign(options.issuer?.privateKey ?? keys.privateKey, 'SHA-256');
  return { pem: toPem(certificate), certificate, privateKey: keys.privateKey };
}

/** A root, an intermediate and an IMDS signer certificate, as Azure's chain is built. */
export interface AttestedPki {
  root: TestCertificate;
  intermediate: TestCertificate;
  signer: TestCertificate;
}

/** Issues a chain like IMDS's (a root, an issuing CA, `metadata.azure.com`) valid around `now`. */
export async function createAttestedPki(now: Date, region = 'westeurope'): Promise<AttestedPki> {
  const notBefore = new Date(now.getTime() - 30 * DAY_MS);
  const notAfter = new Date(now.getTime() + 335 * DAY_MS);
  const root = await issueCertificate({ commonName: 'Test Root CA', ca: true, notBefore, notAfter });
  const intermediate = await issueCertificate({
    commonName: 'Test RSA TLS CA 01',
    ca: true,
    pathLength: 0,
    issuer: root,
    notBefore,
    notAfter,
  });
  const signer = await issueCertificate({
    commonName: 'metadata.azure.com',
    dnsNames: [`${region}.metadata.azure.com`, 'metadata.azure.com'],
    issuer: intermediate,
    notBefore,
    notAfter,
  });
  return { root, intermediate, signer };
}

/** How {@link signAttestedDocument} signs. */
export interface SignOptions {
  /** Certificates embedded in the SignedData; default the signer only, as IMDS does. */
  embed?: TestCertificate[];
  /** A digest algorithm OID written into the SignerInfo after signing, as a weaker signer would name it. */
  digestAlgorithm?: string;
}

/**
 * Signs `content` as IMDS does — a PKCS #7 SignedData over the JSON, without signed attributes,
 * its digest named by the sha256WithRSAEncryption OID and its signature by rsaEncryption — and
 * returns the body of `/metadata/attested/document`.
 */
export async function signAttestedDocument(
  content: string,
  signer: TestCertificate,
  options: SignOptions = {},
): Promise<string> {
  const signedData = new SignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: DATA,
      eContent: new OctetString({ valueHex: new TextEncoder().encode(content).buffer }),
    }),
    signerInfos: [
      new SignerInfo({
        version: 1,
        sid: new IssuerAndSerialNumber({
          issuer: signer.certificate.issuer,
          serialNumber: signer.certificate.serialNumber,
        }),
      }),
    ],
    certificates: (options.embed ?? [signer]).map((embedded) => embedded.certificate),
  });
  await signedData.sign(signer.privateKey, 0, 'SHA-256');
  const digestAlgorithm = new AlgorithmIdentifier({
    algorithmId: options.digestAlgorithm ?? SHA256_WITH_RSA,
  });
  const [signerInfo] = signedData.signerInfos;
  if (signerInfo !== undefined) {
    signerInfo.digestAlgorithm = digestAlgorithm;
    signerInfo.signatureAlgorithm = new AlgorithmIdentifier({ algorithmId: RSA_ENCRYPTION });
  }
  signedData.digestAlgorithms = [digestAlgorithm];
  const contentInfo = new ContentInfo({ contentType: SIGNED_DATA, content: signedData.toSchema(true) });
  const signature = Buffer.from(contentInfo.toSchema().toBER(false)).toString('base64');
  return JSON.stringify({ encoding: 'pkcs7', signature });
}

/** Formats a time as IMDS writes `timeStamp` members: `MM/dd/yy HH:mm:ss -0000`. */
export function imdsTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCFullYear() % 100)} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} -0000`
  );
}
