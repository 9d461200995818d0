import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { JWT_TOKEN_TYPES } from '../registry/adapter-registry';
import { expectNonce, type AttestedNonceCheck } from './attested/attested-nonce';
import { AzureAdapter } from './azure.adapter';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure-token-types';

interface AzureFixture {
  id: string;
  platform: string;
  format: 'jwt' | 'azure-attested-pkcs7';
  token?: string;
  jwks?: { keys: JWK[] };
  pkcs7?: string;
  certificates?: string[];
  nonce?: string;
  issuer: string | null;
  audience: string | null;
  now: number;
  expect: 'accept' | 'reject';
  claims: Record<string, unknown>;
}

const dir = join(__dirname, '../../../../test/fixtures/real');
const fixtures = readdirSync(dir)
  .filter((file) => file.startsWith('azure-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as AzureFixture);
const fixture = (id: string): AzureFixture => {
  const found = fixtures.find((f) => f.id === id);
  if (found === undefined) throw new Error(`fixture ${id} is missing`);
  return found;
};

const OTHER_TENANT = '0b5e8a3c-1f2d-4e6a-9c7b-8d9e0f1a2b3c';
const [JWT_TYPE = ''] = JWT_TOKEN_TYPES;

/** The registration the fixtures README assumes for each format. */
function platformFor(f: AzureFixture, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  const base = {
    id: f.id,
    name: f.id,
    kind: 'azure' as const,
    clockSkewSeconds: 60,
    enabled: true,
    version: 1,
  };
  if (f.format === 'jwt') {
    return {
      ...base,
      issuer: String(f.issuer),
      jwks: f.jwks,
      audiences: [String(f.audience)],
      settings: { tenantId: f.claims.tid },
      ...overrides,
    };
  }
  return {
    ...base,
    issuer: `https://sts.windows.net/${OTHER_TENANT}/`,
    audiences: ['https://broker.example/token'],
    settings: { tenantId: OTHER_TENANT, attestedDocuments: { trustAnchors: f.certificates } },
    ...overrides,
  };
}

function credentialOf(f: AzureFixture) {
  return f.format === 'jwt'
    ? presentCredential(String(f.token), JWT_TYPE, true)
    : presentCredential(
        JSON.stringify({ encoding: 'pkcs7', signature: f.pkcs7 }),
        AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE,
        false,
      );
}

function adapterFor(f: AzureFixture, nonce?: AttestedNonceCheck): AzureAdapter {
  return new AzureAdapter({ attestedNonce: nonce ?? expectNonce(String(f.nonce)) });
}

async function decide(f: AzureFixture, platform = platformFor(f), at = f.now, adapter = adapterFor(f)) {
  const ctx = { now: new Date(at * 1000), keys: new KeyResolver(), allowHttp: false };
  return adapter.verify(credentialOf(f), platform, ctx);
}

describe('real Azure credentials', () => {
  it('finds both fixtures', () => {
    expect(fixtures.map((f) => f.id).sort()).toEqual(['azure-imds-attested-2021', 'azure-imds-mi-2024']);
  });

  it.each(fixtures)('$id → $expect at its own clock, registered as the README says', async (f) => {
    const adapter = adapterFor(f);
    const platform = platformFor(f);
    expect(adapter.registrationProblems(platform, false)).toEqual([]);
    expect(adapter.settingsSchema.safeParse(platform.settings).success).toBe(true);
    expect(adapter.routeKeys(platform)).toEqual(expect.arrayContaining(adapter.locate(credentialOf(f))));
    const outcome = await decide(f).then(
      () => 'accept',
      () => 'reject',
    );
    expect(outcome).toBe(f.expect);
  });

  it('normalizes the managed-identity token: tenant and object ID, client, identity resource', async () => {
    const { identity, replayKey } = await decide(fixture('azure-imds-mi-2024'));
    expect(identity).toEqual({
      platform: 'azure-imds-mi-2024',
      kind: 'azure',
      issuer: 'https://sts.windows.net/943b4232-710f-4cdb-8760-b5bf1777cc0e/',
      subject: '39d64eba-87e1-46dc-83d5-7609a2a5c705',
      audience: ['https://management.core.windows.net/'],
      tokenId: 'TKhy_KeUmUeZUJe5pI_gAQ',
      issuedAt: 1722953212,
      expiresAt: 1723039912,
      tenantId: '943b4232-710f-4cdb-8760-b5bf1777cc0e',
      objectId: '39d64eba-87e1-46dc-83d5-7609a2a5c705',
      appId: '2bb3ed0c-940c-4a3e-9d69-55304e765827',
      managedIdentityResourceId:
        '/subscriptions/ac976d29-ee84-45b9-b0e3-8e4597f643ee/resourcegroups/terraform-tfstates/providers/Microsoft.ManagedIdentity/userAssignedIdentities/test-uai',
      subscriptionId: 'ac976d29-ee84-45b9-b0e3-8e4597f643ee',
      resourceGroup: 'terraform-tfstates',
    });
    expect(replayKey).toBe(
      'jti https://sts.windows.net/943b4232-710f-4cdb-8760-b5bf1777cc0e/ TKhy_KeUmUeZUJe5pI_gAQ',
    );
  });

  it('normalizes the attested document: the VM, no tenant, no audience', async () => {
    const { identity, expiresAt, replayKey } = await decide(fixture('azure-imds-attested-2021'));
    expect(identity).toEqual({
      platform: 'azure-imds-attested-2021',
      kind: 'azure',
      issuer: 'metadata.azure.com',
      subject: 'f904ece8-c6c1-4b5c-881f-309b50f25e56',
      audience: [],
      issuedAt: 1609768534,
      expiresAt: 1609768534 + 300,
      vmId: 'f904ece8-c6c1-4b5c-881f-309b50f25e56',
    });
    expect(expiresAt).toBe(1609768534 + 300);
    expect(replayKey).toBe(
      `jti ${AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE} f904ece8-c6c1-4b5c-881f-309b50f25e56 20210104-195534`,
    );
  });

  it('accepts the v1 token on a platform registered with the v2 form of its tenant', async () => {
    const f = fixture('azure-imds-mi-2024');
    const platform = platformFor(f, {
      issuer: 'https://login.microsoftonline.com/943b4232-710f-4cdb-8760-b5bf1777cc0e/v2.0',
    });
    await expect(decide(f, platform)).resolves.toBeDefined();
  });

  type Refusal = [
    name: string,
    id: string,
    run: (f: AzureFixture) => Promise<unknown>,
    code: string,
    words: RegExp,
  ];
  const refusals: Refusal[] = [
    [
      'the 24 h 5 min token under a cap of exactly 24 h',
      'azure-imds-mi-2024',
      (f) =>
        decide(f, platformFor(f, { settings: { tenantId: f.claims.tid, maxTokenLifetimeSeconds: 86_400 } })),
      'lifetime_too_long',
      /lifetime/,
    ],
    [
      'the token on a platform of another tenant',
      'azure-imds-mi-2024',
      (f) =>
        decide(
          f,
          platformFor(f, {
            issuer: `https://sts.windows.net/${OTHER_TENANT}/`,
            settings: { tenantId: OTHER_TENANT },
          }),
        ),
      'issuer_not_trusted',
      /issuer/,
    ],
    [
      'the token one second after exp and the skew',
      'azure-imds-mi-2024',
      (f) => decide(f, platformFor(f), 1723039912 + 61),
      'expired',
      /expired/,
    ],
    [
      'the token for a platform that accepts only the broker audience',
      'azure-imds-mi-2024',
      (f) => decide(f, platformFor(f, { audiences: ['api://fedbroker'] })),
      'audience_mismatch',
      /audience/,
    ],
    [
      'the document under the default nonce rule (its nonce is no Unix time)',
      'azure-imds-attested-2021',
      (f) => decide(f, platformFor(f), f.now, new AzureAdapter()),
      'claim_invalid',
      /nonce is not a Unix time/,
    ],
    [
      'the document when another nonce was expected',
      'azure-imds-attested-2021',
      (f) => decide(f, platformFor(f), f.now, adapterFor(f, expectNonce('1609768534'))),
      'claim_invalid',
      /nonce is not the expected one/,
    ],
    [
      'the document 301 s after it was created',
      'azure-imds-attested-2021',
      (f) => decide(f, platformFor(f), 1609768534 + 301),
      'expired',
      /older than 300 s/,
    ],
    [
      'the document after its signer certificate expired',
      'azure-imds-attested-2021',
      (f) => decide(f, platformFor(f), Date.parse('2021-12-04T00:00:00Z') / 1000),
      'expired',
      /signer certificate has expired/,
    ],
    [
      'the document whose signer chains to none of the anchors',
      'azure-imds-attested-2021',
      (f) =>
        decide(
          f,
          platformFor(f, {
            settings: {
              tenantId: OTHER_TENANT,
              attestedDocuments: { trustAnchors: [unrelatedCertificate()] },
            },
          }),
        ),
      'issuer_not_trusted',
      /does not chain to a trusted certificate/,
    ],
    [
      'the document when the signer must be a metadata.azure.us name',
      'azure-imds-attested-2021',
      (f) =>
        decide(
          f,
          platformFor(f, {
            settings: {
              tenantId: OTHER_TENANT,
              attestedDocuments: { trustAnchors: f.certificates, signerNames: ['metadata.azure.us'] },
            },
          }),
        ),
      'issuer_not_trusted',
      /not issued to metadata\.azure\.us/,
    ],
    [
      'the document on a platform pinning subscriptions (it names none)',
      'azure-imds-attested-2021',
      (f) =>
        decide(
          f,
          platformFor(f, {
            settings: {
              tenantId: OTHER_TENANT,
              attestedDocuments: { trustAnchors: f.certificates, subscriptionIds: [OTHER_TENANT] },
            },
          }),
        ),
      'claim_invalid',
      /subscription/,
    ],
  ];

  it.each(refusals)('refuses %s', async (_name, id, run, code, words) => {
    const error: unknown = await run(fixture(id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(words);
  });
});

/** A real certificate that did not issue the IMDS signer: Entra's token-signing certificate. */
function unrelatedCertificate(): string {
  const der = fixture('azure-imds-mi-2024').jwks?.keys[0]?.x5c?.[0] ?? '';
  return `-----BEGIN CERTIFICATE-----\n${der.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}
