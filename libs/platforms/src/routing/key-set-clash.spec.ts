import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformRegistration } from '../platform-config';
import { keySetClash } from './key-set-clash';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

function cluster(
  keys: JWK[] | undefined,
  overrides: Partial<PlatformRegistration> = {},
): PlatformRegistration {
  return {
    name: 'cluster',
    kind: 'kubernetes',
    issuer: ISSUER,
    ...(keys === undefined ? {} : { jwks: { keys } }),
    audiences: ['https://broker.test/token'],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    ...overrides,
  };
}

describe('keySetClash', () => {
  let k: JWK;
  let l: JWK;

  beforeAll(async () => {
    k = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    l = await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey);
  });

  it.each<[string, () => [PlatformRegistration, PlatformRegistration], string | undefined]>([
    [
      'the same key without kid beside it under one',
      () => [cluster([k]), cluster([{ ...k, kid: 'k2' }])],
      'jwks',
    ],
    [
      'the same key under two kids',
      () => [
        cluster([
          { ...l, kid: 'a' },
          { ...k, kid: 'k1' },
        ]),
        cluster([{ ...k, kid: 'k2' }]),
      ],
      'jwks',
    ],
    ['a set without kid beside a keyed one', () => [cluster([l]), cluster([{ ...k, kid: 'k2' }])], 'jwks'],
    ['a keyed set beside one without kid', () => [cluster([{ ...k, kid: 'k2' }]), cluster([l])], 'issuer'],
    [
      'keyed sets of distinct keys and kids',
      () => [cluster([{ ...l, kid: 'k1' }]), cluster([{ ...k, kid: 'k2' }])],
      undefined,
    ],
    [
      'the same key of two issuers',
      () => [cluster([k]), cluster([{ ...k, kid: 'k2' }], { issuer: 'https://other.example' })],
      undefined,
    ],
    [
      'a keyed set beside fetched keys',
      () => [cluster([{ ...k, kid: 'k2' }]), cluster(undefined)],
      undefined,
    ],
  ])('%s: %s', async (_name, pair, field) => {
    const [mine, theirs] = pair();
    expect((await keySetClash(mine, theirs))?.field).toBe(field);
  });

  it('names the shared key by its index and RFC 7638 thumbprint, whatever its kid', async () => {
    const clash = await keySetClash(cluster([{ ...l, kid: 'a' }, k]), cluster([{ ...k, kid: 'b' }]));
    expect(clash?.reason).toMatch(/^holds key 1 of jwks too \(RFC 7638 thumbprint [\w-]{43}\)$/);
  });
});
