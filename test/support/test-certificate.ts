import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** What {@link createTestCertificate} puts in the certificate. */
export interface TestCertificateOptions {
  commonName: string;
  /** IPv4 addresses for the subject alternative name (a TLS server on loopback). */
  ipAddresses?: string[];
  /** URIs for the subject alternative name (a SPIFFE trust domain's CA: `spiffe://<td>`). */
  uris?: string[];
  /** A CA certificate (basic constraints `cA`, key usage `keyCertSign`). */
  ca?: boolean;
}

/** A self-signed P-256 certificate and its key, in the forms TLS servers and bundles need. */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** Base64 DER, as a JWK `x5c` member holds it. */
  der: string;
}

const crypto = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
let serial = 1;

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function name(commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: '2.5.4.3',
        value: new asn1js.Utf8String({ value: commonName }),
      }),
    ],
  });
}

function alternativeNames(options: TestCertificateOptions): pkijs.Extension | undefined {
  const names = [
    ...(options.ipAddresses ?? []).map(
      (ip) =>
        new pkijs.GeneralName({
          type: 7,
          value: new asn1js.OctetString({ valueHex: Uint8Array.from(ip.split('.').map(Number)).buffer }),
        }),
    ),
    ...(options.uris ?? []).map((uri) => new pkijs.GeneralName({ type: 6, value: uri })),
  ];
  if (names.length === 0) return undefined;
  return new pkijs.Extension({
    extnID: '2.5.29.17',
    critical: false,
    extnValue: new pkijs.GeneralNames({ names }).toSchema().toBER(false),
  });
}

function caExtensions(): pkijs.Extension[] {
  const keyUsage = new asn1js.BitString({ valueHex: Uint8Array.from([0x06]).buffer, unusedBits: 1 });
  return [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false),
    }),
    new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: keyUsage.toBER(false) }),
  ];
}

/**
 * Creates a self-signed certificate for tests, valid from 2000 to 2049 so that TLS, which checks
 * validity against the real time, accepts it whatever a test's clock says.
 */
export async function createTestCertificate(options: TestCertificateOptions): Promise<TestCertificate> {
  const keys = (await crypto.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ value: serial++ });
  certificate.issuer = name(options.commonName);
  certificate.subject = name(options.commonName);
  certificate.notBefore.value = new Date('2000-01-01T00:00:00Z');
  certificate.notAfter.value = new Date('2049-12-31T23:59:59Z');
  const san = alternativeNames(options);
  certificate.extensions = [...(options.ca === true ? caExtensions() : []), ...(san ? [san] : [])];
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey, crypto);
  await certificate.sign(keys.privateKey, 'SHA-256', crypto);
  const der = certificate.toSchema().toBER(false);
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: pem('PRIVATE KEY', await crypto.exportKey('pkcs8', keys.privateKey)),
    der: Buffer.from(der).toString('base64'),
  };
}
