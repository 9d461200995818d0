import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defaultAdapters } from '../default-adapters';
import type { PlatformAdapter } from '../platform-adapter';
import { AdapterRegistry, JWT_TOKEN_TYPES } from './adapter-registry';

function fakeAdapter(kind: PlatformAdapter['kind'], extraTokenTypes: string[] = []): PlatformAdapter {
  return {
    kind,
    settingsSchema: z.strictObject({}),
    extraTokenTypes,
    registrationProblems: () => [],
    verify: () => Promise.reject(new Error('not used')),
  };
}

describe('AdapterRegistry', () => {
  it('finds adapters by kind', () => {
    const registry = new AdapterRegistry(defaultAdapters);
    expect(registry.get('kubernetes').kind).toBe('kubernetes');
    expect(registry.has('kubernetes')).toBe(true);
    expect(registry.has('spiffe')).toBe(false);
    expect(registry.kinds()).toEqual(['kubernetes']);
    expect(() => registry.get('spiffe')).toThrow('no adapter for platform kind "spiffe"');
  });

  it('finds an adapter by the extra token type it declares, and none for JWT types', () => {
    const aws = fakeAdapter('aws', ['urn:fedbroker:token-type:aws-sigv4']);
    const registry = new AdapterRegistry([...defaultAdapters, aws]);
    expect(registry.forTokenType('urn:fedbroker:token-type:aws-sigv4')).toBe(aws);
    for (const type of JWT_TOKEN_TYPES) {
      expect(registry.forTokenType(type)).toBeUndefined();
    }
  });

  it('refuses two adapters for one kind or one token type', () => {
    expect(() => new AdapterRegistry([fakeAdapter('gcp'), fakeAdapter('gcp')])).toThrow('two adapters');
    expect(() => new AdapterRegistry([fakeAdapter('gcp', ['urn:x']), fakeAdapter('aws', ['urn:x'])])).toThrow(
      'claimed twice',
    );
    expect(() => new AdapterRegistry([fakeAdapter('gcp', [...JWT_TOKEN_TYPES])])).toThrow('claimed twice');
  });

  it('the kubernetes adapter accepts only the JWT token types', () => {
    expect(new AdapterRegistry(defaultAdapters).get('kubernetes').extraTokenTypes).toEqual([]);
  });
});
