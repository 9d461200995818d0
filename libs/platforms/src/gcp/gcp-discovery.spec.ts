import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchIdentityToken, startFakeGcp, type FakeGcp } from '../../../../test/support/fake-gcp';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { verifyJwtWith } from '../testing/verify-token';
import { gcpAdapter } from './gcp.adapter';

const NOW = new Date('2026-01-15T10:00:00Z');
const AUDIENCE = 'https://broker.example/token';

describe('gcpAdapter with OIDC discovery against a fake Google', () => {
  let google: FakeGcp;
  let clock: number;
  let keys: KeyResolver;
  let platform: PlatformConfig;

  const verify = (token: string) =>
    verifyJwtWith(gcpAdapter, token, platform, {
      now: new Date(clock),
      keys,
      allowHttp: false,
    });

  beforeEach(async () => {
    clock = NOW.getTime();
    google = await startFakeGcp({ now: () => new Date(clock) });
    keys = new KeyResolver({ now: () => clock });
    platform = {
      id: 'google',
      name: 'google',
      kind: 'gcp',
      issuer: google.issuer,
      audiences: [AUDIENCE],
      clockSkewSeconds: 60,
      settings: {},
      enabled: true,
      version: 1,
    };
  });

  afterEach(() => google.close());

  it('verifies a format=full token from the metadata server, with keys found by discovery', async () => {
    expect(gcpAdapter.registrationProblems(platform, false)).toEqual([]);
    const token = await fetchIdentityToken(google, AUDIENCE, { format: 'full', licenses: true });
    const { identity } = await verify(token);
    expect(identity).toMatchObject({
      issuer: google.issuer,
      subject: google.serviceAccount.id,
      serviceAccountId: google.serviceAccount.id,
      serviceAccountEmail: google.serviceAccount.email,
      projectId: google.instance.projectId,
      projectNumber: String(google.instance.projectNumber),
      instanceId: google.instance.instanceId,
      zone: google.instance.zone,
      licenseIds: google.instance.licenseIds,
      issuedAt: NOW.getTime() / 1000,
      expiresAt: NOW.getTime() / 1000 + 3600,
    });
    expect(google.requests).toEqual({ discovery: 1, certs: 1, identity: 1 });
  });

  it('refuses a format=standard token, the metadata server default, which has no email', async () => {
    const token = await fetchIdentityToken(google, AUDIENCE);
    await expect(verify(token)).rejects.toMatchObject({
      code: 'missing_claim',
      message: 'the "email" claim is missing: request the identity token with format=full',
    });
  });

  it('accepts a format=full token requested without licenses, which has no license ids', async () => {
    const { identity } = await verify(await fetchIdentityToken(google, AUDIENCE, { format: 'full' }));
    expect(identity.serviceAccountEmail).toBe(google.serviceAccount.email);
    expect(identity).not.toHaveProperty('licenseIds');
  });

  it.each([
    ['without Metadata-Flavor', {}, 'audience=x', 403],
    ['without an audience', { 'Metadata-Flavor': 'Google' }, 'format=full', 400],
  ])('the metadata server refuses a request %s', async (_name, headers, query, status) => {
    const url = `${google.metadataUrl}/instance/service-accounts/default/identity?${query}`;
    expect((await fetch(url, { headers })).status).toBe(status);
  });

  it('picks up a rotated key with one refetch once the cooldown has passed', async () => {
    await verify(await google.mint({ audience: AUDIENCE }));
    await google.rotateKey({ dropPrevious: true });
    const rotated = await google.mint({ audience: AUDIENCE });
    await expect(verify(rotated)).rejects.toMatchObject({ code: 'key_not_found' });
    clock += 30_000;
    await expect(verify(rotated)).resolves.toBeDefined();
    expect(google.requests.certs).toBe(2);
  });

  it("reports keys_unavailable (retryable) while Google's keys cannot be fetched", async () => {
    google.keysDown = true;
    await expect(verify(await google.mint({ audience: AUDIENCE }))).rejects.toMatchObject({
      code: 'keys_unavailable',
    });
  });

  it('mints with the injected clock, never wall time', async () => {
    clock += 86_400_000;
    const { identity } = await verify(await google.mint({ audience: AUDIENCE }));
    expect(identity.issuedAt).toBe(clock / 1000);
  });
});
