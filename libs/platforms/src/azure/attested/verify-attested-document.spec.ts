import { OctetString } from 'asn1js';
import { ContentInfo, SignedData } from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAttestedPki,
  imdsTime,
  issueCertificate,
  signAttestedDocument,
  type AttestedPki,
  type TestCertificate,
} from '../../../../../test/support/fake-azure-pki';
import { presentCredential } from '../../credential/present-credential';
import { VerificationError } from '../../errors/verification-error';
import { KeyResolver } from '../../keys/key-resolver';
import type { VerifyContext } from '../../platform-adapter';
import type { PlatformConfig } from '../../platform-config';
import { azureAdapter } from '../azure.adapter';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from '../azure-token-types';

const NOW = new Date('2026-03-02T09:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const TENANT = '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03';
const VM = 'c0ffee00-1d2b-4c3d-8e4f-5a6b7c8d9e0f';
const SUBSCRIPTION = '7d3e1a9c-5b2f-4c8d-a1e6-9f0b2c3d4e5a';
const OTHER_SUBSCRIPTION = '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d';
const DAY_MS = 86_400_000;

interface Pkis {
  azure: AttestedPki;
  rogue: AttestedPki;
  expired: TestCertificate;
  notYetValid: TestCertificate;
  short: TestCertificate;
  misnamed: TestCertificate;
  underNonCa: TestCertificate;
  nonCa: TestCertificate;
  underNoCertSign: TestCertificate;
  noCertSign: TestCertificate;
  tooDeep: TestCertificate;
  subCa: TestCertificate;
}

const at = (offsetSeconds: number): Date => new Date(NOW.getTime() + offsetSeconds * 1000);

/** An attested document as IMDS writes it (2020-09-01 and later), with `overrides` applied. */
function content(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    licenseType: '',
    nonce: String(NOW_S),
    plan: { name: '', product: '', publisher: '' },
    sku: '22_04-lts-gen2',
    subscriptionId: SUBSCRIPTION,
    timeStamp: { createdOn: imdsTime(NOW), expiresOn: imdsTime(at(6 * 3600)) },
    vmId: VM,
    ...overrides,
  });
}

function platformFor(p: Pkis, attested: Record<string, unknown> | null = {}): PlatformConfig {
  return {
    id: 'azure-1',
    name: 'contoso',
    kind: 'azure',
    issuer: `https://sts.windows.net/${TENANT}/`,
    audiences: ['api://fedbroker'],
    clockSkewSeconds: 60,
    settings: {
      tenantId: TENANT,
      ...(attested === null
        ? {}
        : {
            attestedDocuments: {
              trustAnchors: [p.azure.root.pem],
              intermediates: [p.azure.intermediate.pem],
              ...attested,
            },
          }),
    },
    enabled: true,
    version: 1,
  };
}

function context(): VerifyContext {
  return {
    now: NOW,
    keys: new KeyResolver({ fetch: () => Promise.reject(new Error('offline')) }),
    allowHttp: false,
  };
}

const attested = (body: string) => presentCredential(body, AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE, false);

/** Replaces the signed content of an IMDS body, keeping the signature made over the original. */
function tamper(body: string, replacement: string): string {
  const { signature } = JSON.parse(body) as { signature: string };
  const info = ContentInfo.fromBER(new Uint8Array(Buffer.from(signature, 'base64')));
  const signedData = new SignedData({ schema: info.content });
  signedData.encapContentInfo.eContent = new OctetString({
    valueHex: new TextEncoder().encode(replacement).buffer,
  });
  const reencoded = new ContentInfo({ contentType: info.contentType, content: signedData.toSchema(true) });
  return JSON.stringify({
    encoding: 'pkcs7',
    signature: Buffer.from(reencoded.toSchema().toBER(false)).toString('base64'),
  });
}

describe('azureAdapter.verify with IMDS attested documents', () => {
  let p: Pkis;

  beforeAll(async () => {
    const [azure, rogue] = await Promise.all([createAttestedPki(NOW), createAttestedPki(NOW)]);
    const leaf = (issuer: TestCertificate, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}) =>
      issueCertificate({
        commonName: 'metadata.azure.com',
        dnsNames: ['eastus.metadata.azure.com', 'metadata.azure.com'],
        issuer,
        notBefore: at(-DAY_MS / 1000),
        notAfter: at(300 * 86_400),
        ...extra,
      });
    const ca = (name: string, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}) =>
      issueCertificate({
        commonName: name,
        ca: true,
        issuer: azure.root,
        notBefore: at(-86_400),
        notAfter: at(300 * 86_400),
        ...extra,
      });
    const [nonCa, noCertSign] = await Promise.all([
      ca('Not A CA', { ca: false }),
      ca('No Cert Sign', { keyUsage: 0x80 }),
    ]);
    const subCa = await issueCertificate({
      commonName: 'Sub CA',
      ca: true,
      issuer: azure.intermediate,
      notBefore: at(-86_400),
      notAfter: at(300 * 86_400),
    });
    const [expired, notYetValid, short, misnamed, underNonCa, underNoCertSign, tooDeep] = await Promise.all([
      leaf(azure.intermediate, { notBefore: at(-400 * 86_400), notAfter: at(-1) }),
      leaf(azure.intermediate, { notBefore: at(61), notAfter: at(300 * 86_400) }),
      leaf(azure.intermediate, { modulusLength: 1024 }),
      leaf(azure.intermediate, { commonName: 'imds.example', dnsNames: ['imds.example'] }),
      leaf(nonCa),
      leaf(noCertSign),
      leaf(subCa),
    ]);
    p = {
      azure,
      rogue,
      expired,
      notYetValid,
      short,
      misnamed,
      underNonCa,
      nonCa,
      underNoCertSign,
      noCertSign,
      tooDeep,
      subCa,
    };
  });

  it('accepts a document signed by IMDS, chained through the intermediate to the root', async () => {
    const body = await signAttestedDocument(content(), p.azure.signer);
    const verified = await azureAdapter.verify(attested(body), platformFor(p), context());
    expect(verified.identity).toEqual({
      platform: 'contoso',
      kind: 'azure',
      issuer: 'metadata.azure.com',
      subject: VM,
      audience: [],
      issuedAt: NOW_S,
      expiresAt: NOW_S + 300,
      vmId: VM,
      subscriptionId: SUBSCRIPTION,
    });
    expect(verified).toMatchObject({
      expiresAt: NOW_S + 300,
      replayKey: `jti ${AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE} ${VM} ${NOW_S}`,
    });
    expect(verified).not.toHaveProperty('tokenId');
    expect(verified.claims).toMatchObject({ sku: '22_04-lts-gen2', plan: { publisher: '' } });
  });

  it.each([
    ['names none (API versions before 2019-04-30)', undefined],
    ['leaves empty', ''],
    ['sets to null', null],
  ])('leaves out the subscription of a document that %s', async (_name, subscriptionId) => {
    const body = await signAttestedDocument(content({ subscriptionId }), p.azure.signer);
    const { identity } = await azureAdapter.verify(attested(body), platformFor(p), context());
    expect(identity.vmId).toBe(VM);
    expect(identity).not.toHaveProperty('subscriptionId');
    expect(identity).not.toHaveProperty('tenantId');
  });

  it.each([
    [
      'its subscription (lowercased), then the platform that takes any',
      SUBSCRIPTION.toUpperCase(),
      [`azure attested-document subscription ${SUBSCRIPTION}`, 'azure attested-document any'],
    ],
    ['the platform that takes any when it names no subscription', undefined, ['azure attested-document any']],
  ])('locates a document by %s', async (_name, subscriptionId, routes) => {
    const body = await signAttestedDocument(content({ subscriptionId }), p.azure.signer);
    expect(azureAdapter.locate(attested(body))).toEqual(routes);
  });

  it('gives one replay key to a document however its envelope is re-encoded', async () => {
    const body = await signAttestedDocument(content(), p.azure.signer);
    const { signature } = JSON.parse(body) as { signature: string };
    const wrapped = `{ "signature": "${signature.replace(/.{1,76}/g, '$&\\n')}",\n  "encoding": "pkcs7" }`;
    const [first, second] = await Promise.all([
      azureAdapter.verify(attested(body), platformFor(p), context()),
      azureAdapter.verify(attested(wrapped), platformFor(p), context()),
    ]);
    expect(second.replayKey).toBe(first.replayKey);
  });

  type Accept = [
    name: string,
    make: (p: Pkis) => Promise<string>,
    settings?: (p: Pkis) => Record<string, unknown>,
  ];
  const accepted: Accept[] = [
    [
      'a pinned intermediate without the root',
      (p) => signAttestedDocument(content(), p.azure.signer),
      (p) => ({ trustAnchors: [p.azure.intermediate.pem], intermediates: [] }),
    ],
    [
      'a pinned signer certificate',
      (p) => signAttestedDocument(content(), p.azure.signer),
      (p) => ({ trustAnchors: [p.azure.signer.pem], intermediates: [] }),
    ],
    [
      'an intermediate embedded in the document instead of configured',
      (p) =>
        signAttestedDocument(content(), p.azure.signer, { embed: [p.azure.signer, p.azure.intermediate] }),
      () => ({ intermediates: [] }),
    ],
    [
      'a subscription the platform pins',
      (p) => signAttestedDocument(content(), p.azure.signer),
      () => ({ subscriptionIds: [OTHER_SUBSCRIPTION, SUBSCRIPTION] }),
    ],
    [
      'a nonce asked for 300 s ago',
      (p) => signAttestedDocument(content({ nonce: String(NOW_S - 300) }), p.azure.signer),
    ],
    [
      'a nonce 60 s ahead (clock skew)',
      (p) => signAttestedDocument(content({ nonce: String(NOW_S + 60) }), p.azure.signer),
    ],
    [
      'a document created 60 s ahead (clock skew)',
      (p) =>
        signAttestedDocument(
          content({ timeStamp: { createdOn: imdsTime(at(60)), expiresOn: imdsTime(at(3600)) } }),
          p.azure.signer,
        ),
    ],
    [
      'a vmId in upper case',
      (p) => signAttestedDocument(content({ vmId: VM.toUpperCase() }), p.azure.signer),
    ],
  ];

  it.each(accepted)('accepts %s', async (_name, make, settings) => {
    const body = await make(p);
    const { identity } = await azureAdapter.verify(
      attested(body),
      platformFor(p, settings?.(p) ?? {}),
      context(),
    );
    expect(identity.vmId).toBe(VM);
  });

  type Refusal = [
    name: string,
    make: (p: Pkis) => Promise<string>,
    code: string,
    words: RegExp,
    settings?: (p: Pkis) => Record<string, unknown> | null,
  ];
  const sign =
    (overrides: Record<string, unknown> = {}) =>
    (p: Pkis) =>
      signAttestedDocument(content(overrides), p.azure.signer);
  const refusals: Refusal[] = [
    [
      'a body that is not JSON',
      () => Promise.resolve('MIIKWQYJKoZIhvcNAQcCoIIKSjCCCkYCAQEx'),
      'malformed',
      /not the JSON that IMDS serves/,
    ],
    [
      'another encoding',
      () => Promise.resolve(JSON.stringify({ encoding: 'base64', signature: 'AAAA' })),
      'malformed',
      /"encoding": "pkcs7"/,
    ],
    [
      'a signature that is not base64',
      () => Promise.resolve(JSON.stringify({ encoding: 'pkcs7', signature: 'not base64!' })),
      'malformed',
      /not base64/,
    ],
    [
      'base64 that is no SignedData',
      () =>
        Promise.resolve(
          JSON.stringify({ encoding: 'pkcs7', signature: Buffer.from('hello').toString('base64') }),
        ),
      'malformed',
      /not a PKCS #7 SignedData/,
    ],
    [
      'content that is not JSON',
      (p) => signAttestedDocument('vmId=x', p.azure.signer),
      'malformed',
      /not UTF-8 JSON/,
    ],
    [
      'content that is a JSON array',
      (p) => signAttestedDocument('[]', p.azure.signer),
      'malformed',
      /not a JSON object/,
    ],
    [
      'content changed after signing',
      async (p) =>
        tamper(
          await signAttestedDocument(content(), p.azure.signer),
          content({ vmId: 'd15ea5e0-0000-4000-8000-000000000000' }),
        ),
      'signature_invalid',
      /does not verify/,
    ],
    [
      'a digest named SHA-1',
      (p) => signAttestedDocument(content(), p.azure.signer, { digestAlgorithm: '1.3.14.3.2.26' }),
      'algorithm_not_allowed',
      /algorithm that is not allowed/,
    ],
    [
      'no signer certificate in the document',
      (p) => signAttestedDocument(content(), p.azure.signer, { embed: [] }),
      'key_not_found',
      /does not carry its signer certificate/,
    ],
    [
      'a signer of another chain with the same names',
      (p) =>
        signAttestedDocument(content(), p.rogue.signer, { embed: [p.rogue.signer, p.rogue.intermediate] }),
      'issuer_not_trusted',
      /does not chain to a trusted certificate \(No valid certificate paths found\)/,
    ],
    [
      'the right chain without the intermediate',
      sign(),
      'issuer_not_trusted',
      /does not chain to a trusted certificate/,
      () => ({ intermediates: [] }),
    ],
    [
      'a signer issued by a certificate that is not a CA',
      (p) => signAttestedDocument(content(), p.underNonCa, { embed: [p.underNonCa, p.nonCa] }),
      'issuer_not_trusted',
      /does not chain to a trusted certificate \(One of intermediate certificates is not a CA certificate\)/,
    ],
    [
      'a signer issued by a CA whose key usage excludes certificate signing',
      (p) => signAttestedDocument(content(), p.underNoCertSign, { embed: [p.underNoCertSign, p.noCertSign] }),
      'issuer_not_trusted',
      /not a CA certificate/,
    ],
    [
      "a chain deeper than the intermediate's path length allows",
      (p) => signAttestedDocument(content(), p.tooDeep, { embed: [p.tooDeep, p.subCa] }),
      'issuer_not_trusted',
      /not allowed to issue certificates/,
    ],
    [
      'an expired signer certificate',
      (p) => signAttestedDocument(content(), p.expired),
      'expired',
      /signer certificate has expired/,
    ],
    [
      'a signer certificate not yet valid',
      (p) => signAttestedDocument(content(), p.notYetValid),
      'not_yet_valid',
      /signer certificate is not yet valid/,
    ],
    [
      'a 1024-bit signer key',
      (p) => signAttestedDocument(content(), p.short),
      'algorithm_not_allowed',
      /2048 bits/,
    ],
    [
      'a signer certificate for another name',
      (p) => signAttestedDocument(content(), p.misnamed),
      'issuer_not_trusted',
      /not issued to metadata\.azure\.com/,
    ],
    ['no vmId', sign({ vmId: undefined }), 'missing_claim', /"vmId" member is missing/],
    ['an empty vmId', sign({ vmId: '' }), 'missing_claim', /"vmId" member is missing/],
    ['a numeric vmId', sign({ vmId: 42 }), 'claim_invalid', /"vmId" member is invalid/],
    [
      'a numeric subscriptionId',
      sign({ subscriptionId: 42 }),
      'claim_invalid',
      /"subscriptionId" member is invalid/,
    ],
    ['no nonce', sign({ nonce: undefined }), 'missing_claim', /"nonce" member is missing/],
    ['no timeStamp', sign({ timeStamp: undefined }), 'missing_claim', /"timeStamp" member is missing/],
    [
      'a createdOn in another format',
      sign({ timeStamp: { createdOn: NOW.toISOString(), expiresOn: imdsTime(at(3600)) } }),
      'claim_invalid',
      /"timeStamp.createdOn" member is invalid/,
    ],
    [
      'an impossible date',
      sign({ timeStamp: { createdOn: '02/30/26 09:00:00 -0000', expiresOn: imdsTime(at(3600)) } }),
      'claim_invalid',
      /"timeStamp.createdOn" member is invalid/,
    ],
    [
      'IMDS default nonce (a timestamp, not Unix seconds)',
      sign({ nonce: '20260302-090000' }),
      'claim_invalid',
      /nonce is not a Unix time/,
    ],
    [
      'a nonce asked for 301 s ago',
      sign({ nonce: String(NOW_S - 301) }),
      'expired',
      /nonce is older than 300 s/,
    ],
    [
      'a nonce 61 s ahead',
      sign({ nonce: String(NOW_S + 61) }),
      'not_yet_valid',
      /nonce is a time in the future/,
    ],
    [
      'a document created 61 s ahead',
      sign({ timeStamp: { createdOn: imdsTime(at(61)), expiresOn: imdsTime(at(3600)) } }),
      'issued_in_future',
      /created in the future/,
    ],
    [
      'a document past its expiresOn',
      sign({
        nonce: String(NOW_S - 100),
        timeStamp: { createdOn: imdsTime(at(-200)), expiresOn: imdsTime(at(-61)) },
      }),
      'expired',
      /document has expired/,
    ],
    [
      'a document created 301 s ago',
      sign({ timeStamp: { createdOn: imdsTime(at(-301)), expiresOn: imdsTime(at(3600)) } }),
      'expired',
      /document is older than 300 s/,
    ],
    [
      'a document expiring before it was created',
      sign({ timeStamp: { createdOn: imdsTime(NOW), expiresOn: imdsTime(at(-1)) } }),
      'claim_invalid',
      /expires before it was created/,
    ],
    [
      'a nonce older than a lowered maximum age',
      sign({ nonce: String(NOW_S - 61) }),
      'expired',
      /nonce is older than 60 s/,
      () => ({ maxAgeSeconds: 60 }),
    ],
    [
      'a subscription the platform does not pin',
      sign(),
      'claim_invalid',
      /subscription is not one the platform serves/,
      () => ({ subscriptionIds: [OTHER_SUBSCRIPTION] }),
    ],
    [
      'a document without subscription on a platform that pins some',
      sign({ subscriptionId: undefined }),
      'claim_invalid',
      /subscription is not one the platform serves/,
      () => ({ subscriptionIds: [SUBSCRIPTION] }),
    ],
    [
      'a document for a platform that takes no attested documents',
      sign(),
      'issuer_not_trusted',
      /does not accept attested documents/,
      () => null,
    ],
  ];

  it.each(refusals)('refuses %s', async (_name, make, code, words, settings) => {
    const body = await make(p);
    const overrides = settings?.(p);
    const platform = platformFor(p, overrides === undefined ? {} : overrides);
    const error: unknown = await azureAdapter
      .verify(attested(body), platform, context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(words);
  });
});
