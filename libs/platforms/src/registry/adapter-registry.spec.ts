import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defaultAdapters } from '../default-adapters';
import { NEVER_SHARED } from '../identity-pins';
import { jwtKeySource } from '../keys/key-source';
import type { PlatformAdapter } from '../platform-adapter';
import { AdapterRegistry, JWT_TOKEN_TYPES } from './adapter-registry';

function fakeAdapter(
  kind: PlatformAdapter['kind'],
  extraTokenTypes: string[] = [],
  acceptsJwt = true,
): PlatformAdapter {
  return {
    kind,
    settingsSchema: z.strictObject({}),
    settings: () => ({}),
    extraTokenTypes,
    acceptsJwt,
    identityFields: {},
    identityPins: { immutableFields: [], mutableNames: [], tenantFields: [], sharedIssuer: NEVER_SHARED },
    defaultMaxCredentialAgeSeconds: 3600,
    registrationProblems: () => [],
    routeKeys: () => [],
    routeField: () => 'issuer',
    locate: () => [],
    keySource: jwtKeySource,
    verify: () => Promise.reject(new Error('not used')),
  };
}

describe('AdapterRegistry', () => {
  it('finds adapters by kind', () => {
    const registry = new AdapterRegistry([fakeAdapter('kubernetes')]);
    expect(registry.get('kubernetes').kind).toBe('kubernetes');
    expect(registry.has('kubernetes')).toBe(true);
    expect(registry.has('spiffe')).toBe(false);
    expect(registry.kinds()).toEqual(['kubernetes']);
    expect(() => registry.get('spiffe')).toThrow('no adapter for platform kind "spiffe"');
  });

  it('offers a JWT to every JWT kind in order, and a kind-specific type to its kind only', () => {
    const aws = fakeAdapter('aws', ['urn:ietf:params:aws:token-type:aws4_request']);
    const documents = fakeAdapter('azure', ['urn:example:document'], false);
    const registry = new AdapterRegistry([fakeAdapter('kubernetes'), aws, documents]);
    expect(registry.forTokenType('urn:ietf:params:aws:token-type:aws4_request')).toEqual([aws]);
    for (const type of JWT_TOKEN_TYPES) {
      expect(registry.forTokenType(type).map((a) => a.kind)).toEqual(['kubernetes', 'aws']);
    }
    expect(registry.forTokenType('urn:unknown')).toEqual([]);
    expect(registry.tokenTypes()).toEqual(
      expect.arrayContaining([...JWT_TOKEN_TYPES, 'urn:example:document']),
    );
  });

  it('refuses two adapters for one kind or one token type', () => {
    expect(() => new AdapterRegistry([fakeAdapter('gcp'), fakeAdapter('gcp')])).toThrow('two adapters');
    expect(() => new AdapterRegistry([fakeAdapter('gcp', ['urn:x']), fakeAdapter('aws', ['urn:x'])])).toThrow(
      'claimed twice',
    );
    expect(() => new AdapterRegistry([fakeAdapter('gcp', [...JWT_TOKEN_TYPES])])).toThrow('claimed twice');
  });

  it('serves the default adapters, each kind once', () => {
    const registry = new AdapterRegistry(defaultAdapters());
    expect(registry.has('kubernetes')).toBe(true);
    expect(new Set(registry.kinds()).size).toBe(registry.kinds().length);
  });
});
