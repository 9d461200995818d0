import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import {
  Attribute,
  AttributeTypeAndValue,
  Certificate,
  ContentInfo,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedAndUnsignedAttributes,
  SignedData,
  SignerInfo,
} from 'pkijs';

/** AWS's region certificates name this subject and are self-signed. */
const AWS_NAME: [type: string, value: string][] = [
  ['2.5.4.6', 'US'],
  ['2.5.4.8', 'Washington State'],
  ['2.5.4.7', 'Seattle'],
  ['2.5.4.10', 'Amazon Web Services LLC'],
];

/** A region's signing key and its self-signed certificate, as AWS publishes one per region. */
export interface RegionCertificate {
  pem: string;
  certificate: Certificate;
  privateKey: webcrypto.CryptoKey;
}

function base64Lines(bytes: ArrayBuffer | Buffer): string {
  return (
    Buffer.from(bytes as ArrayBuffer)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\n');
}

/** Creates an RSA-2048 key and a self-signed certificate named like AWS's, valid 2015 to 2049. */
export async function createRegionCertificate(): Promise<RegionCertificate> {
  const keys = await webcrypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
  const certificate = new Certificate();
  certificate.version = 2;
  const serial = randomBytes(8);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40; // positive and minimal (DER, X.690 §8.3.2)
  certificate.serialNumber = new asn1js.Integer({ valueHex: serial });
  for (const [type, value] of AWS_NAME) {
    certificate.issuer.typesAndValues.push(
      new AttributeTypeAndValue({ type, value: new asn1js.PrintableString({ value }) }),
    );
    certificate.subject.typesAndValues.push(
      new AttributeTypeAndValue({ type, value: new asn1js.PrintableString({ value }) }),
    );
  }
  certificate.notBefore.value = new Date('2015-08-14T00:00:00Z');
  certificate.notAfter.value = new Date('2049-12-31T00:00:00Z');
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey);
  await certificate.sign(keys.privateKey, 'SHA-256');
  const der = certificate.toSchema(true).toBER(false);
  const pem = `-----BEGIN CERTIFICATE-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END CERTIFICATE-----\n`;
  return { pem, certificate, privateKey: keys.privateKey };
}

/** The `/signature` answer: RSA PKCS #1 v1.5 SHA-256 over the document, base64 in 76-column lines. */
export async function signDocument(region: RegionCertificate, document: string): Promise<string> {
  const signature = await webcrypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    region.privateKey,
    Buffer.from(document, 'utf8'),
  );
  return base64Lines(signature);
}

/**
 * The `/rsa2048` answer: a CMS SignedData embedding the document, signed with SHA-256 over the
 * signed attributes (content type, signing time, message digest), its signer named by issuer and
 * serial number and no certificate attached, base64 in 76-column lines.
 */
export async function signDocumentPkcs7(
  region: RegionCertificate,
  document: string,
  signingTime: Date,
): Promise<string> {
  const content = Buffer.from(document, 'utf8');
  const signedData = new SignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: '1.2.840.113549.1.7.1',
      eContent: new asn1js.OctetString({ valueHex: content }),
    }),
    signerInfos: [
      new SignerInfo({
        version: 1,
        sid: new IssuerAndSerialNumber({
          issuer: region.certificate.issuer,
          serialNumber: region.certificate.serialNumber,
        }),
        signedAttrs: new SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new Attribute({
              type: '1.2.840.113549.1.9.3',
              values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' })],
            }),
            new Attribute({
              type: '1.2.840.113549.1.9.5',
              values: [new asn1js.UTCTime({ valueDate: signingTime })],
            }),
            new Attribute({
              type: '1.2.840.113549.1.9.4',
              values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(content).digest() })],
            }),
          ],
        }),
      }),
    ],
  });
  await signedData.sign(region.privateKey, 0, 'SHA-256');
  const contentInfo = new ContentInfo({
    contentType: '1.2.840.113549.1.7.2',
    content: signedData.toSchema(true),
  });
  return base64Lines(contentInfo.toSchema().toBER(false));
}
