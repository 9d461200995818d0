import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeKubernetesIssuer,
  type FakeKubernetesIssuer,
} from '../../../../test/support/fake-kubernetes-issuer';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { verifyJwtWith } from '../testing/verify-token';
import { kubernetesAdapter } from './kubernetes.adapter';

const NOW = new Date('2026-01-15T10:00:00Z');
const AUDIENCE = 'https://broker.example/token';

describe('kubernetesAdapter with OIDC discovery against a fake cluster', () => {
  let cluster: FakeKubernetesIssuer;
  let clock: number;
  let keys: KeyResolver;
  let platform: PlatformConfig;

  beforeEach(async () => {
    cluster = await startFakeKubernetesIssuer({ alg: 'ES256' });
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    platform = {
      id: 'kind',
      name: 'kind',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [AUDIENCE],
      clockSkewSeconds: 60,
      settings: {},
      enabled: true,
      version: 1,
    };
  });

  afterEach(() => cluster.close());

  it.each(['RS256', 'ES256'] as const)('verifies a minted %s token through discovery', async (alg) => {
    await cluster.close();
    cluster = await startFakeKubernetesIssuer({ alg });
    platform.issuer = cluster.issuer;
    expect(kubernetesAdapter.registrationProblems(platform, false)).toEqual([]);
    const token = await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer', now: NOW });
    const { identity } = await verifyJwtWith(kubernetesAdapter, token, platform, {
      now: NOW,
      keys,
      allowHttp: false,
    });
    expect(identity).toMatchObject({
      issuer: cluster.issuer,
      subject: 'system:serviceaccount:payments:deployer',
      namespace: 'payments',
      serviceAccount: 'deployer',
      podName: 'deployer-5d8f7b9c6d-x2x4k',
      nodeName: 'kind-control-plane',
    });
    expect(identity.tokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cluster.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('picks up a rotated key with one refetch once the cooldown has passed', async () => {
    const ctx = { now: NOW, keys, allowHttp: false };
    await verifyJwtWith(kubernetesAdapter, await cluster.mint({ now: NOW }), platform, ctx);
    await cluster.rotateKey({ dropPrevious: true });
    const rotated = await cluster.mint({ now: NOW });
    await expect(verifyJwtWith(kubernetesAdapter, rotated, platform, ctx)).rejects.toMatchObject({
      code: 'key_not_found',
    });
    clock += 30_000;
    await expect(verifyJwtWith(kubernetesAdapter, rotated, platform, ctx)).resolves.toBeDefined();
    expect(cluster.requests.jwks).toBe(2);
  });

  it('mints with claim overrides and removals', async () => {
    const token = await cluster.mint({ now: NOW, aud: 'https://elsewhere.example', jti: undefined });
    await expect(
      verifyJwtWith(kubernetesAdapter, token, platform, { now: NOW, keys, allowHttp: false }),
    ).rejects.toMatchObject({
      code: 'audience_mismatch',
    });
    const [, payload = ''] = token.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).not.toHaveProperty('jti');
  });
});
