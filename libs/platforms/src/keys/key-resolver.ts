import { X509Certificate } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type KeyObject,
} from 'jose';
import { mapJoseError } from '../errors/map-jose-error';
import { describeKey } from '../errors/describe-key';
import { showValue } from '../errors/show-value';
import { VerificationError, verificationMessage } from '../errors/verification-error';
import type { KeyFetchOptions } from './get-json';
import { keySourceId, type KeySource } from './key-source';
import { KeySourceError } from './key-source-error';
import { loadKeySet, type LoadedKeySet } from './load-key-set';
import { unusableKeyReason } from './unusable-key-reason';

/** Tuning of a {@link KeyResolver}; every field has a safe default. */
export interface KeyResolverOptions {
  /** Used for URLs without a CA bundle. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  /** How long a fetched key set is used before it is refreshed, unless the source says. Default 10 min. */
  cacheTtlMs?: number;
  /** Least time between two fetches of one source, for an unknown `kid` or after a failure. Default 30 s. */
  cooldownMs?: number;
  /** How long after its fetch a key set still serves while its source fails. Default 24 h. */
  maxStaleMs?: number;
  /** Largest discovery or key document accepted. Default 512 KiB. */
  maxResponseBytes?: number;
  /** Most keys accepted in one set. Default 100. */
  maxKeys?: number;
  /** Accept `http://` URLs on non-loopback hosts. Default false. */
  allowHttp?: boolean;
  /** Fetch keys from private networks; link-local and metadata addresses never. Default false. */
  allowPrivateNetworks?: boolean;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Told of every fetch and its failure: the source, the platform, never key material. */
  logger?: KeyResolverLogger;
  /** Told of every fetch, for metrics. */
  onFetch?: (fetch: KeyFetchReport) => void;
}

/** Where a {@link KeyResolver} reports its fetches; pino's logger fits. */
export interface KeyResolverLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One fetch of a remote key source. */
export interface KeyFetchReport {
  source: KeySource['type'];
  /** The platform whose request (or registration) caused the fetch. */
  platform: string | undefined;
  ok: boolean;
  seconds: number;
}

/** Per-call overrides of {@link KeyResolverOptions}. */
export interface KeyLookupOptions {
  allowHttp?: boolean;
  /** The platform asking, named in the logs and metrics of the fetch it causes. */
  platform?: string;
}

/** What {@link KeyResolver.probe} found. */
export interface KeyProbeResult {
  ok: boolean;
  /** The keys that can verify a token. */
  keyCount: number;
  error?: string;
  /** Keys of the set that can never verify a token (`keys[1] (kid "k"): why`); not counted. */
  unusableKeys?: string[];
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

interface CachedKeys {
  lookup: LocalKeySet;
  count: number;
  /** The signature keys left out because they cannot verify a token, each with why. */
  unusable: string[];
  fetchedAt: number;
  refreshAfterMs: number;
  /** The SPIFFE bundle's `spiffe_sequence`, when it has one. */
  sequence?: number;
}

interface SourceState {
  keys?: CachedKeys;
  certificates?: X509Certificate[];
  lastAttemptAt?: number;
  lastError?: unknown;
  pending?: Promise<void>;
}

/** Refresh in the background once this share of a key set's lifetime has passed. */
const REFRESH_AHEAD = 0.8;

/** Keys a set may hold that are not for signatures (RFC 7517 §4.2, §4.3): skipped, not reported. */
function isSignatureKey(key: JWK): boolean {
  if (key.use !== undefined && key.use !== 'sig') return false;
  return key.key_ops === undefined || key.key_ops.includes('verify');
}

/** A key of a set as a report names it: its place and its `kid`, never key material. */
function keyName(key: JWK, index: number): string {
  return typeof key.kid === 'string' ? `keys[${index}] (kid ${showValue(key.kid)})` : `keys[${index}]`;
}

const tracer = trace.getTracer('fedbroker');

function elapsedMs(since: number): number {
  return Math.round(performance.now() - since);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where keys come from, as a refusal names it: the URL of a remote source. */
function sourceName(source: KeySource): string {
  switch (source.type) {
    case 'inline':
      return 'the inline key set';
    case 'certificates':
      return 'the configured certificates';
    case 'jwks-uri':
    case 'spiffe-bundle':
      return `${source.type} ${source.url}`;
    case 'oidc-discovery':
      return `${source.type} ${source.issuer}`;
  }
}

/**
 * Finds the key that verifies a platform credential, from any {@link KeySource}. One per process.
 *
 * Remote sets are cached per source (not per platform), refreshed in the background before they
 * expire and served stale while their source fails, up to `maxStaleMs` after their last fetch; a
 * request never waits for a refresh while good keys are cached. One fetch per source is in flight
 * at a time. An unknown `kid` triggers at most one refetch per cooldown; an unknown `kid` while the
 * source is failing is `keys_unavailable` (retryable), not a bad signature.
 */
export class KeyResolver {
  private readonly states = new Map<string, SourceState>();
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly cooldownMs: number;
  private readonly maxStaleMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxKeys: number;
  private readonly allowHttp: boolean;
  private readonly allowPrivateNetworks: boolean;
  private readonly now: () => number;
  private readonly logger: KeyResolverLogger | undefined;
  private readonly onFetch: ((fetch: KeyFetchReport) => void) | undefined;

  constructor(options: KeyResolverOptions = {}) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.cacheTtlMs = options.cacheTtlMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxStaleMs = options.maxStaleMs ?? 24 * 60 * 60_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 512 * 1024;
    this.maxKeys = options.maxKeys ?? 100;
    this.allowHttp = options.allowHttp ?? false;
    this.allowPrivateNetworks = options.allowPrivateNetworks ?? false;
    this.now = options.now ?? (() => Date.now());
    this.logger = options.logger;
    this.onFetch = options.onFetch;
  }

  /**
   * The key of `source` that matches a JWS header (by `kid`, `alg` and key type); usable as a jose
   * key-getter.
   *
   * @throws {VerificationError} `key_not_found` or `keys_unavailable`.
   */
  async getKey(
    source: KeySource,
    header: JWSHeaderParameters,
    options?: KeyLookupOptions,
  ): Promise<CryptoKey | KeyObject> {
    if (source.type === 'certificates') {
      throw new VerificationError('keys_unavailable', 'certificates verify documents, not JWTs');
    }
    const state = this.stateFor(source);
    if (source.type === 'inline') {
      return (
        (await this.lookup(state.keys ?? (await this.inlineKeys(source.jwks, state)), header)) ??
        this.keyNotFound(state, header)
      );
    }
    const fetchOptions = this.fetchOptions(options);
    const platform = options?.platform;
    const startedAt = this.now();
    if (!this.isUsable(state.keys, startedAt)) {
      await this.refresh(source, state, fetchOptions, platform);
    } else if (this.isDue(state.keys, startedAt)) {
      void this.refresh(source, state, fetchOptions, platform);
    }
    const key = await this.lookup(this.usableKeys(source, state), header);
    if (key !== undefined) return key;
    if (state.pending === undefined && startedAt - (state.lastAttemptAt ?? -Infinity) < this.cooldownMs) {
      return this.keyNotFound(state, header);
    }
    await this.refresh(source, state, fetchOptions, platform);
    return (await this.lookup(this.usableKeys(source, state), header)) ?? this.keyNotFound(state, header);
  }

  /**
   * The parsed certificates of a `certificates` source, parsed once.
   *
   * @throws {VerificationError} `keys_unavailable` when a certificate does not parse.
   */
  certificates(source: Extract<KeySource, { type: 'certificates' }>): readonly X509Certificate[] {
    const state = this.stateFor(source);
    if (state.certificates === undefined) {
      try {
        state.certificates = source.pems.map((pem) => new X509Certificate(pem));
      } catch (cause) {
        throw new VerificationError('keys_unavailable', 'a configured certificate does not parse', { cause });
      }
    }
    return state.certificates;
  }

  /**
   * Fetches the source's keys now, ignoring cache and cooldown, and caches them on success. For the
   * admin API, to report a platform that is saved but whose keys cannot be fetched.
   */
  async probe(source: KeySource, options?: KeyLookupOptions): Promise<KeyProbeResult> {
    const state = this.stateFor(source);
    try {
      if (source.type === 'inline') return this.probeResult(await this.inlineKeys(source.jwks, state));
      if (source.type === 'certificates') {
        return this.probeResult({ count: this.certificates(source).length, unusable: [] });
      }
      await state.pending;
      state.lastAttemptAt = this.now();
      await this.fetchInto(source, state, this.fetchOptions(options), options?.platform);
      if (state.lastError !== undefined)
        return { ok: false, keyCount: 0, error: errorMessage(state.lastError) };
      return this.probeResult(state.keys ?? { count: 0, unusable: [] });
    } catch (error) {
      return { ok: false, keyCount: 0, error: errorMessage(error) };
    }
  }

  private probeResult({ count, unusable }: Pick<CachedKeys, 'count' | 'unusable'>): KeyProbeResult {
    const reported = unusable.length === 0 ? {} : { unusableKeys: unusable };
    if (count > 0) return { ok: true, keyCount: count, ...reported };
    const error = unusable.length === 0 ? 'the key set is empty' : 'the key set has no usable key';
    return { ok: false, keyCount: 0, error, ...reported };
  }

  private stateFor(source: KeySource): SourceState {
    const id = keySourceId(source);
    let state = this.states.get(id);
    if (state === undefined) {
      state = {};
      this.states.set(id, state);
    }
    return state;
  }

  private fetchOptions(options: KeyLookupOptions | undefined): KeyFetchOptions {
    return {
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      maxBytes: this.maxResponseBytes,
      allowHttp: options?.allowHttp ?? this.allowHttp,
      allowPrivateNetworks: this.allowPrivateNetworks,
    };
  }

  /** Caches the keys of a set that can verify a token, and names the others (each imported once). */
  private async cache(jwks: JSONWebKeySet, refreshAfterMs: number, sequence?: number): Promise<CachedKeys> {
    if (jwks.keys.length > this.maxKeys) {
      throw new KeySourceError(`the key set has ${jwks.keys.length} keys; the limit is ${this.maxKeys}`);
    }
    const keys: JWK[] = [];
    const unusable: string[] = [];
    for (const [index, key] of jwks.keys.entries()) {
      if (!isSignatureKey(key)) continue;
      const reason = await unusableKeyReason(key);
      if (reason === undefined) keys.push(key);
      else unusable.push(`${keyName(key, index)}: ${reason}`);
    }
    return {
      lookup: createLocalJWKSet({ keys }),
      count: keys.length,
      unusable,
      fetchedAt: this.now(),
      refreshAfterMs,
      ...(sequence === undefined ? {} : { sequence }),
    };
  }

  /**
   * Refuses a SPIFFE bundle older (lower `spiffe_sequence`) than the one in use, which would bring
   * back keys the trust domain has removed. Once the bundle in use is too stale to serve, the
   * endpoint's bundle is taken whatever its sequence, so that a trust domain that reset its
   * sequence recovers.
   */
  private refuseRollback(loaded: LoadedKeySet, held: CachedKeys | undefined): void {
    if (loaded.sequence === undefined || held?.sequence === undefined) return;
    if (loaded.sequence < held.sequence && this.isUsable(held, this.now())) {
      throw new KeySourceError(
        `spiffe_sequence went back from ${held.sequence} to ${loaded.sequence}; the newer bundle stays in use`,
      );
    }
  }

  private async inlineKeys(jwks: JSONWebKeySet, state: SourceState): Promise<CachedKeys> {
    if (state.keys === undefined) {
      try {
        state.keys = await this.cache(jwks, Infinity);
      } catch (cause) {
        throw new VerificationError('keys_unavailable', 'the inline key set is malformed', { cause });
      }
    }
    return state.keys;
  }

  private isUsable(keys: CachedKeys | undefined, now: number): keys is CachedKeys {
    return keys !== undefined && now - keys.fetchedAt <= this.maxStaleMs;
  }

  private isDue(keys: CachedKeys, now: number): boolean {
    return now - keys.fetchedAt >= keys.refreshAfterMs * REFRESH_AHEAD;
  }

  private refresh(
    source: KeySource,
    state: SourceState,
    options: KeyFetchOptions,
    platform: string | undefined,
  ): Promise<void> {
    if (state.pending !== undefined) return state.pending;
    const now = this.now();
    if (state.lastError !== undefined && now - (state.lastAttemptAt ?? -Infinity) < this.cooldownMs) {
      return Promise.resolve();
    }
    state.lastAttemptAt = now;
    state.pending = this.fetchInto(source, state, options, platform).finally(() => {
      state.pending = undefined;
    });
    return state.pending;
  }

  private async fetchInto(
    source: KeySource,
    state: SourceState,
    options: KeyFetchOptions,
    platform: string | undefined,
  ): Promise<void> {
    const fields = { keySource: keySourceId(source), platform };
    await tracer.startActiveSpan('fedbroker.key_fetch', async (span) => {
      span.setAttributes({
        'fedbroker.key_source.type': source.type,
        ...(platform ? { 'fedbroker.platform': platform } : {}),
      });
      const startedAt = performance.now();
      try {
        const loaded = await loadKeySet(source, options);
        this.refuseRollback(loaded, state.keys);
        state.keys = await this.cache(loaded.jwks, loaded.refreshAfterMs ?? this.cacheTtlMs, loaded.sequence);
        state.lastError = undefined;
        span.setAttribute('fedbroker.key_count', state.keys.count);
        const { count, unusable } = state.keys;
        this.logger?.info(
          {
            ...fields,
            keyCount: count,
            ...(unusable.length === 0 ? {} : { unusableKeys: unusable }),
            durationMs: elapsedMs(startedAt),
          },
          'fetched keys',
        );
      } catch (error) {
        state.lastError = error;
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the key source failed' });
        this.logger?.warn(
          { ...fields, error: errorMessage(error), durationMs: elapsedMs(startedAt) },
          'key fetch failed',
        );
      } finally {
        span.end();
        this.onFetch?.({
          source: source.type,
          platform,
          ok: state.lastError === undefined,
          seconds: (performance.now() - startedAt) / 1000,
        });
      }
    });
  }

  private usableKeys(source: KeySource, state: SourceState): CachedKeys {
    if (!this.isUsable(state.keys, this.now())) {
      const why = state.lastError === undefined ? '' : `: ${errorMessage(state.lastError)}`;
      throw new VerificationError(
        'keys_unavailable',
        verificationMessage('keys_unavailable', `${sourceName(source)}${why}`),
        { cause: state.lastError },
      );
    }
    return state.keys;
  }

  private async lookup(keys: CachedKeys, header: JWSHeaderParameters): Promise<CryptoKey | undefined> {
    try {
      return await keys.lookup(header);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return undefined;
      throw mapJoseError(error, { header });
    }
  }

  /** A `kid` the set lacks: a bad credential, unless the source is failing and may have rotated. */
  private keyNotFound(state: SourceState, header: JWSHeaderParameters): never {
    if (state.lastError !== undefined) {
      throw new VerificationError(
        'keys_unavailable',
        `no cached key matches ${describeKey(header)} and the key source is failing`,
        { cause: state.lastError },
      );
    }
    throw new VerificationError('key_not_found', verificationMessage('key_not_found', describeKey(header)));
  }
}
