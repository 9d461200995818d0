import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type KeyObject,
} from 'jose';
import { mapJoseError } from '../errors/map-jose-error';
import { VerificationError } from '../errors/verification-error';
import type { PlatformConfig } from '../platform-config';
import type { KeyFetchOptions } from './get-json';
import { loadRemoteJwks } from './load-remote-jwks';

/** Tuning of a {@link KeyResolver}; every field has a safe default. */
export interface KeyResolverOptions {
  /** Used for URLs without a CA bundle. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  /** How long a fetched key set is used before it is refetched. Default 10 min. */
  cacheTtlMs?: number;
  /** Least time between two fetches for one platform, whether for an unknown `kid` or after a failure. Default 30 s. */
  cooldownMs?: number;
  /** How long after its fetch a key set still serves while the endpoint fails. Default 24 h. */
  maxStaleMs?: number;
  /** Largest discovery or key document accepted. Default 512 KiB. */
  maxResponseBytes?: number;
  /** Accept `http://` URLs on non-loopback hosts. Default false. */
  allowHttp?: boolean;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Per-call overrides of {@link KeyResolverOptions}. */
export interface KeyLookupOptions {
  allowHttp?: boolean;
}

/** What {@link KeyResolver.probe} found. */
export interface KeyProbeResult {
  ok: boolean;
  keyCount: number;
  error?: string;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

interface CachedKeys {
  lookup: LocalKeySet;
  count: number;
  fetchedAt: number;
}

interface PlatformKeyState {
  version: number;
  keys?: CachedKeys;
  lastAttemptAt?: number;
  lastError?: unknown;
  pending?: Promise<void>;
}

function cacheKeys(jwks: JSONWebKeySet, fetchedAt: number): CachedKeys {
  return { lookup: createLocalJWKSet(jwks), count: jwks.keys.length, fetchedAt };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Finds the key that verifies a platform's token: from the platform's inline `jwks`, its
 * `jwksUri`, or the `jwks_uri` of its OIDC discovery document. One per process.
 *
 * Fetched sets are cached per platform `id` and `version`. An unknown `kid` triggers at most one
 * refetch per cooldown, and concurrent refetches share one request. While the endpoint fails, the
 * last set serves up to `maxStaleMs` after its fetch; then the platform's tokens are refused with
 * `keys_unavailable`.
 */
export class KeyResolver {
  private readonly states = new Map<string, PlatformKeyState>();
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly cooldownMs: number;
  private readonly maxStaleMs: number;
  private readonly maxResponseBytes: number;
  private readonly allowHttp: boolean;
  private readonly now: () => number;

  constructor(options: KeyResolverOptions = {}) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.cacheTtlMs = options.cacheTtlMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxStaleMs = options.maxStaleMs ?? 24 * 60 * 60_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 512 * 1024;
    this.allowHttp = options.allowHttp ?? false;
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * The platform key that matches a JWS header (by `kid`, `alg` and key type); usable as a jose
   * key-getter.
   *
   * @throws {VerificationError} `key_not_found` or `keys_unavailable`.
   */
  async getKey(
    platform: PlatformConfig,
    header: JWSHeaderParameters,
    options?: KeyLookupOptions,
  ): Promise<CryptoKey | KeyObject> {
    const state = this.stateFor(platform);
    if (platform.jwks !== undefined) {
      return (await this.lookup(this.inlineKeys(platform.jwks, state), header)) ?? this.keyNotFound();
    }
    const fetchOptions = this.fetchOptions(options);
    const startedAt = this.now();
    if (state.keys === undefined || startedAt - state.keys.fetchedAt >= this.cacheTtlMs) {
      await this.refresh(platform, state, fetchOptions);
    }
    const key = await this.lookup(this.usableKeys(state), header);
    if (key !== undefined) {
      return key;
    }
    if (state.pending === undefined && startedAt - (state.lastAttemptAt ?? -Infinity) < this.cooldownMs) {
      return this.keyNotFound();
    }
    await this.refresh(platform, state, fetchOptions);
    return (await this.lookup(this.usableKeys(state), header)) ?? this.keyNotFound();
  }

  /** Drops what is cached for a platform; call it when the platform is updated or deleted. */
  forget(platformId: string): void {
    this.states.delete(platformId);
  }

  /**
   * Fetches the platform's keys now, ignoring cache and cooldown, and caches them on success. For
   * the admin API, to report a platform that is saved but whose keys cannot be fetched.
   */
  async probe(platform: PlatformConfig, options?: KeyLookupOptions): Promise<KeyProbeResult> {
    const state = this.stateFor(platform);
    try {
      if (platform.jwks !== undefined) {
        return this.probeResult(this.inlineKeys(platform.jwks, state).count);
      }
      state.lastAttemptAt = this.now();
      const jwks = await loadRemoteJwks(platform, this.fetchOptions(options));
      state.keys = cacheKeys(jwks, this.now());
      state.lastError = undefined;
      return this.probeResult(jwks.keys.length);
    } catch (error) {
      return { ok: false, keyCount: 0, error: errorMessage(error) };
    }
  }

  private probeResult(keyCount: number): KeyProbeResult {
    return keyCount > 0 ? { ok: true, keyCount } : { ok: false, keyCount, error: 'the key set is empty' };
  }

  private stateFor(platform: PlatformConfig): PlatformKeyState {
    const existing = this.states.get(platform.id);
    if (existing !== undefined && existing.version === platform.version) {
      return existing;
    }
    const state: PlatformKeyState = { version: platform.version };
    this.states.set(platform.id, state);
    return state;
  }

  private fetchOptions(options: KeyLookupOptions | undefined): KeyFetchOptions {
    return {
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      maxBytes: this.maxResponseBytes,
      allowHttp: options?.allowHttp ?? this.allowHttp,
    };
  }

  private inlineKeys(jwks: JSONWebKeySet, state: PlatformKeyState): CachedKeys {
    if (state.keys === undefined) {
      try {
        state.keys = cacheKeys(jwks, this.now());
      } catch (cause) {
        throw new VerificationError('keys_unavailable', 'the inline key set is malformed', { cause });
      }
    }
    return state.keys;
  }

  private refresh(
    platform: PlatformConfig,
    state: PlatformKeyState,
    options: KeyFetchOptions,
  ): Promise<void> {
    if (state.pending !== undefined) {
      return state.pending;
    }
    const now = this.now();
    if (state.lastError !== undefined && now - (state.lastAttemptAt ?? -Infinity) < this.cooldownMs) {
      return Promise.resolve();
    }
    state.lastAttemptAt = now;
    state.pending = this.fetchInto(platform, state, options);
    return state.pending;
  }

  private async fetchInto(
    platform: PlatformConfig,
    state: PlatformKeyState,
    options: KeyFetchOptions,
  ): Promise<void> {
    try {
      state.keys = cacheKeys(await loadRemoteJwks(platform, options), this.now());
      state.lastError = undefined;
    } catch (error) {
      state.lastError = error;
    } finally {
      state.pending = undefined;
    }
  }

  private usableKeys(state: PlatformKeyState): CachedKeys {
    if (state.keys === undefined || this.now() - state.keys.fetchedAt > this.maxStaleMs) {
      throw new VerificationError('keys_unavailable', undefined, { cause: state.lastError });
    }
    return state.keys;
  }

  private async lookup(keys: CachedKeys, header: JWSHeaderParameters): Promise<CryptoKey | undefined> {
    try {
      return await keys.lookup(header);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        return undefined;
      }
      throw mapJoseError(error);
    }
  }

  private keyNotFound(): never {
    throw new VerificationError('key_not_found');
  }
}
