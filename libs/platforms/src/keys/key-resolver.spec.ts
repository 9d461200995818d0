import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWSHeaderParameters } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VerificationError } from '../errors/verification-error';
import type { PlatformConfig } from '../platform-config';
import { startFakeJwksServer, type FakeJwksServer } from '../testing/fake-jwks-server';
import { createSigningKey, type TestSigningKey } from '../testing/signing-key';
import { KeyResolver, type KeyProbeResult, type KeyResolverOptions } from './key-resolver';
import { jwtKeySource, type KeySource } from './key-source';

const MINUTE = 60_000;

function platformFor(overrides: Partial<PlatformConfig>): KeySource {
  return jwtKeySource({
    id: 'p1',
    name: 'cluster',
    kind: 'kubernetes',
    issuer: 'https://cluster.example',
    audiences: ['https://broker.example/token'],
    clockSkewSeconds: 0,
    settings: {},
    enabled: true,
    version: 1,
    ...overrides,
  });
}

function header(key: TestSigningKey, kid = key.kid): JWSHeaderParameters {
  return { alg: key.alg, kid };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof VerificationError ? error.code : `not a VerificationError: ${String(error)}`;
}

async function expectProbeFailure(probe: Promise<KeyProbeResult>, reason: string): Promise<void> {
  const result = await probe;
  expect(result.ok).toBe(false);
  expect(result.error).toContain(reason);
}

const refusingFetch: typeof fetch = () => Promise.reject(new Error('the network must not be reached'));

describe('KeyResolver', () => {
  let server: FakeJwksServer | undefined;
  let clock = 0;
  const resolver = (options: KeyResolverOptions = {}): KeyResolver =>
    new KeyResolver({ now: () => clock, ...options });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    clock = 0;
  });

  describe('inline jwks', () => {
    it('selects the key by kid without fetching', async () => {
      const [a, b] = await Promise.all([createSigningKey('ES256', 'a'), createSigningKey('RS256', 'b')]);
      const keys = resolver({ fetch: refusingFetch });
      const platform = platformFor({ jwks: { keys: [a.publicJwk, b.publicJwk] } });
      await expect(keys.getKey(platform, header(b))).resolves.toMatchObject({ type: 'public' });
      await expect(codeOf(keys.getKey(platform, header(a, 'unknown')))).resolves.toBe('key_not_found');
    });

    it('probes the inline set', async () => {
      const a = await createSigningKey('ES256', 'a');
      const keys = resolver({ fetch: refusingFetch });
      await expect(keys.probe(platformFor({ jwks: { keys: [a.publicJwk] } }))).resolves.toEqual({
        ok: true,
        keyCount: 1,
      });
      await expect(keys.probe(platformFor({ id: 'p2', jwks: { keys: [] } }))).resolves.toMatchObject({
        ok: false,
      });
    });
  });

  describe('remote keys', () => {
    it('follows OIDC discovery to the jwks_uri and caches the set', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ issuer: server.issuer });
      await keys.getKey(platform, header(a));
      clock += 5 * MINUTE;
      await keys.getKey(platform, header(a));
      expect(server.requests).toEqual({ discovery: 1, jwks: 1 });
    });

    it('uses jwksUri directly when given', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      await keys.getKey(platformFor({ jwksUri: server.jwksUri }), header(a));
      expect(server.requests).toEqual({ discovery: 0, jwks: 1 });
    });

    it('refuses a discovery document that names another issuer', async () => {
      server = await startFakeJwksServer([]);
      server.mode = 'wrong-issuer';
      const keys = resolver();
      const platform = platformFor({ issuer: server.issuer });
      await expectProbeFailure(keys.probe(platform), 'another issuer');
      expect(server.requests.jwks).toBe(0);
    });

    it('refreshes in the background before the TTL ends, never holding the request', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ jwksUri: server.jwksUri });
      await keys.getKey(platform, header(a));
      clock += 7 * MINUTE;
      await keys.getKey(platform, header(a));
      expect(server.requests.jwks).toBe(1);
      clock += 1 * MINUTE;
      const held = server.hold();
      await expect(keys.getKey(platform, header(a))).resolves.toBeDefined();
      await held.arrived;
      held.release();
      await vi.waitFor(() => expect(server?.requests.jwks).toBe(2));
    });

    it('keeps serving cached keys with no stall while the source hangs', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver({ timeoutMs: 60_000 });
      const platform = platformFor({ jwksUri: server.jwksUri });
      await keys.getKey(platform, header(a));
      server.mode = 'hang';
      clock += 11 * MINUTE;
      const started = performance.now();
      for (let i = 0; i < 5; i += 1) await keys.getKey(platform, header(a));
      expect(performance.now() - started).toBeLessThan(1_000);
      await vi.waitFor(() => expect(server?.requests.jwks).toBe(2));
    });

    it('answers keys_unavailable, not key_not_found, for an unknown kid while the source fails', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ jwksUri: server.jwksUri });
      await keys.getKey(platform, header(a));
      server.mode = 'down';
      clock += 31_000;
      await expect(codeOf(keys.getKey(platform, header(a, 'rotated')))).resolves.toBe('keys_unavailable');
      await expect(keys.getKey(platform, header(a))).resolves.toBeDefined();
    });

    it('never uses keys marked for encryption or RSA keys under 2048 bits', async () => {
      const [enc, weak] = await Promise.all([
        createSigningKey('ES256', 'enc'),
        createSigningKey('RS256', 'weak'),
      ]);
      const weakJwk = { ...weak.publicJwk, n: Buffer.alloc(128, 7).toString('base64url') };
      const keys = resolver({ fetch: refusingFetch });
      const platform = platformFor({ jwks: { keys: [{ ...enc.publicJwk, use: 'enc' }, weakJwk] } });
      await expect(codeOf(keys.getKey(platform, header(enc)))).resolves.toBe('key_not_found');
      await expect(codeOf(keys.getKey(platform, header(weak)))).resolves.toBe('key_not_found');
    });

    it('reports the keys of a fetched set that cannot verify a token, and counts only the others', async () => {
      const a = await createSigningKey('ES256', 'a');
      const offCurve = { kty: 'EC', crv: 'P-256', kid: 'off-curve', x: 'AAAA', y: 'BBBB' };
      server = await startFakeJwksServer([{ kty: 'EC', kid: 'bare' }, a.publicJwk, offCurve]);
      const keys = resolver();
      const probe = await keys.probe(platformFor({ jwksUri: server.jwksUri }));
      expect(probe).toEqual({
        ok: true,
        keyCount: 1,
        unusableKeys: [
          expect.stringMatching(/^keys\[0\] \(kid "bare"\): /) as unknown,
          expect.stringMatching(/^keys\[2\] \(kid "off-curve"\): /) as unknown,
        ],
      });
      await expect(keys.getKey(platformFor({ jwksUri: server.jwksUri }), header(a))).resolves.toBeDefined();
    });

    it('says a fetched set whose every key is unusable is not ok', async () => {
      server = await startFakeJwksServer([{ kty: 'EC', kid: 'bare' }]);
      const probe = await resolver().probe(platformFor({ jwksUri: server.jwksUri }));
      expect(probe).toMatchObject({ ok: false, keyCount: 0, error: 'the key set has no usable key' });
      expect(probe.unusableKeys).toHaveLength(1);
    });

    it('refetches on an unknown kid at most once per cooldown', async () => {
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((kid) => createSigningKey('ES256', kid)));
      server = await startFakeJwksServer([a!.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ jwksUri: server.jwksUri });
      await keys.getKey(platform, header(a!));
      server.keys = [a!.publicJwk, b!.publicJwk];
      clock += 10_000;
      await expect(codeOf(keys.getKey(platform, header(b!)))).resolves.toBe('key_not_found');
      expect(server.requests.jwks).toBe(1);
      clock += 20_000;
      await expect(keys.getKey(platform, header(b!))).resolves.toBeDefined();
      expect(server.requests.jwks).toBe(2);
      clock += 1_000;
      await expect(codeOf(keys.getKey(platform, header(c!)))).resolves.toBe('key_not_found');
      expect(server.requests.jwks).toBe(2);
    });

    it('coalesces concurrent fetches into one request', async () => {
      const [a, b] = await Promise.all([createSigningKey('ES256', 'a'), createSigningKey('ES256', 'b')]);
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ jwksUri: server.jwksUri });
      let held = server.hold();
      const first = Promise.all(Array.from({ length: 5 }, () => keys.getKey(platform, header(a))));
      await held.arrived;
      held.release();
      await first;
      expect(server.requests.jwks).toBe(1);

      server.keys = [a.publicJwk, b.publicJwk];
      clock += 31_000;
      held = server.hold();
      const rotated = Promise.all(Array.from({ length: 5 }, () => keys.getKey(platform, header(b))));
      await held.arrived;
      held.release();
      await rotated;
      expect(server.requests.jwks).toBe(2);
    });

    it('gives up on a slow endpoint after the timeout', async () => {
      server = await startFakeJwksServer([]);
      server.mode = 'hang';
      const keys = resolver({ timeoutMs: 50 });
      const platform = platformFor({ jwksUri: server.jwksUri });
      await expect(codeOf(keys.getKey(platform, { alg: 'ES256', kid: 'a' }))).resolves.toBe(
        'keys_unavailable',
      );
      await expectProbeFailure(keys.probe(platform), 'timed out');
    });

    it('refuses a response over the size cap', async () => {
      server = await startFakeJwksServer([]);
      server.mode = 'huge';
      const keys = resolver({ maxResponseBytes: 64 * 1024 });
      await expectProbeFailure(keys.probe(platformFor({ jwksUri: server.jwksUri })), 'larger than');
    });

    it('serves stale keys while the endpoint is down, within maxStaleMs, then refuses', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      const platform = platformFor({ jwksUri: server.jwksUri });
      await keys.getKey(platform, header(a));
      server.mode = 'down';
      clock += 11 * MINUTE;
      await expect(keys.getKey(platform, header(a))).resolves.toBeDefined();
      await vi.waitFor(() => expect(server?.requests.jwks).toBe(2));
      clock += 1_000;
      await keys.getKey(platform, header(a));
      expect(server.requests.jwks).toBe(2);
      clock = 24 * 60 * MINUTE + 1;
      await expect(codeOf(keys.getKey(platform, header(a)))).resolves.toBe('keys_unavailable');
    });

    it('refuses keys_unavailable when the first fetch fails', async () => {
      server = await startFakeJwksServer([]);
      server.mode = 'down';
      const keys = resolver();
      const error: unknown = await keys
        .getKey(platformFor({ jwksUri: server.jwksUri }), { alg: 'ES256' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect(error).toMatchObject({ code: 'keys_unavailable' });
      expect(String((error as VerificationError).cause)).toContain('HTTP 503');
      expect((error as VerificationError).message).toMatch(
        new RegExp(`^the platform's keys are unavailable: jwks-uri ${server.jwksUri}: .*HTTP 503`),
      );
    });

    it('names the kid and alg no key of the platform matches', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const error: unknown = await resolver()
        .getKey(platformFor({ jwksUri: server.jwksUri }), { alg: 'ES256', kid: 'rotated-away' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'key_not_found',
        message: 'no key of the platform matches the token: kid "rotated-away" (alg "ES256")',
      });
    });

    it('caches per source: platforms that share a key URL share one fetch', async () => {
      const a = await createSigningKey('ES256', 'a');
      server = await startFakeJwksServer([a.publicJwk]);
      const keys = resolver();
      await keys.getKey(platformFor({ id: 'p1', jwksUri: server.jwksUri }), header(a));
      await keys.getKey(platformFor({ id: 'p2', name: 'other', jwksUri: server.jwksUri }), header(a));
      expect(server.requests.jwks).toBe(1);
    });
  });

  describe('URL policy', () => {
    it('refuses http on a non-loopback host without reaching the network', async () => {
      const keys = resolver({ fetch: refusingFetch });
      const platform = platformFor({ issuer: 'http://cluster.example' });
      await expect(codeOf(keys.getKey(platform, { alg: 'ES256' }))).resolves.toBe('keys_unavailable');
      await expectProbeFailure(keys.probe(platform), 'https');
    });

    it('accepts http on a non-loopback host when allowHttp', async () => {
      const a = await createSigningKey('ES256', 'a');
      const requested: string[] = [];
      const fakeFetch: typeof fetch = (input) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        requested.push(url);
        const body = url.endsWith('/openid-configuration')
          ? { issuer: 'http://cluster.example', jwks_uri: 'http://cluster.example/openid/v1/jwks' }
          : { keys: [a.publicJwk] };
        return Promise.resolve(Response.json(body));
      };
      const keys = resolver({ fetch: fakeFetch, allowHttp: true });
      await keys.getKey(platformFor({ issuer: 'http://cluster.example' }), header(a));
      expect(requested).toEqual([
        'http://cluster.example/.well-known/openid-configuration',
        'http://cluster.example/openid/v1/jwks',
      ]);
    });
  });

  describe('caBundle', () => {
    const hasOpenssl = ((): boolean => {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();

    it.skipIf(!hasOpenssl)('trusts the platform CA bundle for https, and only with it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fedbroker-ca-'));
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
        const tls = {
          key: readFileSync(join(dir, 'key.pem'), 'utf8'),
          cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
        };
        const a = await createSigningKey('ES256', 'a');
        server = await startFakeJwksServer([a.publicJwk], tls);
        const keys = resolver();
        const withCa = platformFor({ issuer: server.issuer, caBundle: tls.cert });
        await expect(keys.probe(withCa)).resolves.toEqual({ ok: true, keyCount: 1 });
        expect(server.requests).toEqual({ discovery: 1, jwks: 1 });
        await expect(keys.probe(platformFor({ id: 'p2', issuer: server.issuer }))).resolves.toMatchObject({
          ok: false,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
