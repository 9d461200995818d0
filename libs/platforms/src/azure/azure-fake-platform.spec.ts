import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAzure, type FakeAzure } from '../../../../test/support/fake-azure';
import { presentCredential } from '../credential/present-credential';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { JWT_TOKEN_TYPES } from '../registry/adapter-registry';
import { azureAdapter } from './azure.adapter';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure-token-types';

const NOW = new Date('2026-03-02T09:00:00Z');
const AUDIENCE = 'api://fedbroker';
const [JWT_TYPE = ''] = JWT_TOKEN_TYPES;

describe('azureAdapter against a fake Entra ID and IMDS on loopback', () => {
  let azure: FakeAzure;
  let clock = NOW.getTime();
  let keys: KeyResolver;
  let ctx: () => VerifyContext;

  const platformOf = (tenantId: string, overrides: Partial<PlatformConfig> = {}): PlatformConfig => ({
    id: tenantId,
    name: `tenant-${tenantId.slice(0, 8)}`,
    kind: 'azure',
    issuer: `https://sts.windows.net/${tenantId}/`,
    jwksUri: azure.commonKeysUri,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: { tenantId },
    enabled: true,
    version: 1,
    ...overrides,
  });
  const imds = (path: string, headers: Record<string, string> = { Metadata: 'true' }) =>
    fetch(`${azure.imdsEndpoint}${path}`, { headers });

  beforeAll(async () => {
    azure = await startFakeAzure({ now: () => new Date(clock) });
  });

  beforeEach(() => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    ctx = () => ({ now: new Date(clock), keys, allowHttp: false });
    azure.requests.keys = 0;
  });

  afterAll(() => azure.close());

  it('verifies tokens of fifty tenants with one fetch of the common key set', async () => {
    const tenants = Array.from({ length: 50 }, () => randomUUID());
    for (const tenantId of tenants) {
      const token = await azure.mintAccessToken({ resource: AUDIENCE, tenantId });
      const { identity } = await azureAdapter.verify(
        presentCredential(token, JWT_TYPE, true),
        platformOf(tenantId),
        ctx(),
      );
      expect(identity.tenantId).toBe(tenantId);
    }
    expect(azure.requests.keys).toBe(1);
  });

  it("finds a lab's v2 issuer keys at /common/discovery/v2.0/keys on its host", async () => {
    const platform = platformOf(azure.tenantId, {
      issuer: `${azure.authorityHost}/${azure.tenantId}/v2.0`,
      jwksUri: undefined,
    });
    expect(azureAdapter.registrationProblems(platform, false)).toEqual([]);
    const token = await azure.mintAccessToken({
      resource: AUDIENCE,
      version: 2,
      issuerOrigin: azure.authorityHost,
    });
    const { identity } = await azureAdapter.verify(presentCredential(token, JWT_TYPE, true), platform, ctx());
    expect(identity).toMatchObject({ issuer: platform.issuer, appId: azure.identities.system.clientId });
    expect(azure.requests.keys).toBe(1);
  });

  it('follows a key rollover with one refetch once the cooldown has passed', async () => {
    const platform = platformOf(azure.tenantId);
    const verify = async () =>
      azureAdapter.verify(
        presentCredential(await azure.mintAccessToken({ resource: AUDIENCE }), JWT_TYPE, true),
        platform,
        ctx(),
      );
    await verify();
    await azure.rotateKey();
    await expect(verify()).rejects.toMatchObject({ code: 'key_not_found' });
    clock += 30_000;
    await expect(verify()).resolves.toBeDefined();
    expect(azure.requests.keys).toBe(2);
  });

  it('serves a managed-identity token from IMDS as Azure does, for the system or a user-assigned identity', async () => {
    const resource = encodeURIComponent(AUDIENCE);
    const system = (await (
      await imds(`/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}`)
    ).json()) as Record<string, string>;
    expect(system).toMatchObject({ resource: AUDIENCE, token_type: 'Bearer', expires_in: '86700' });
    const user = (await (
      await imds(
        `/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}&client_id=${azure.identities.user.clientId}`,
      )
    ).json()) as Record<string, string>;
    const platform = platformOf(azure.tenantId);
    const identities = await Promise.all(
      [system, user].map(
        async (body) =>
          (
            await azureAdapter.verify(
              presentCredential(String(body.access_token), JWT_TYPE, true),
              platform,
              ctx(),
            )
          ).identity,
      ),
    );
    expect(identities.map((identity) => identity.objectId)).toEqual([
      azure.identities.system.objectId,
      azure.identities.user.objectId,
    ]);
    expect(identities[1]).toMatchObject({
      managedIdentityResourceId: azure.identities.user.resourceId,
      subscriptionId: azure.vm.subscriptionId,
      resourceGroup: azure.vm.resourceGroup,
    });
    expect(
      (await imds(`/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}`, {})).status,
    ).toBe(400);
    expect(azure.requests.identityToken).toBe(3);
  });

  it('serves an attested document for the nonce asked, signed by the chain it publishes', async () => {
    const nonce = String(Math.floor(clock / 1000));
    const response = await imds(`/metadata/attested/document?api-version=2020-09-01&nonce=${nonce}`);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ encoding: 'pkcs7' });
    const platform = platformOf(azure.tenantId, {
      settings: {
        tenantId: azure.tenantId,
        attestedDocuments: {
          trustAnchors: [azure.pki.root.pem],
          intermediates: [azure.pki.intermediate.pem],
        },
      },
    });
    const credential = presentCredential(body, AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE, false);
    const { identity, claims } = await azureAdapter.verify(credential, platform, ctx());
    expect(identity).toMatchObject({
      subject: azure.vm.vmId,
      vmId: azure.vm.vmId,
      subscriptionId: azure.vm.subscriptionId,
    });
    expect(claims.nonce).toBe(nonce);
    expect(azure.requests.attestedDocument).toBe(1);
  });
});
