import type { PlatformAdapter } from '../platform-adapter';
import type { PlatformKind } from '../platform-kind';

/** The `subject_token_type` URNs every JWT-based kind accepts (RFC 8693 §3). */
export const JWT_TOKEN_TYPES: readonly string[] = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:access_token',
];

/** The platform adapters a broker runs with, by kind and by the token types they accept. */
export class AdapterRegistry {
  private readonly byKind = new Map<PlatformKind, PlatformAdapter>();
  private readonly byTokenType = new Map<string, PlatformAdapter[]>();

  /** @throws {Error} when two adapters claim the same kind or the same extra token type. */
  constructor(adapters: readonly PlatformAdapter[]) {
    for (const adapter of adapters) {
      if (this.byKind.has(adapter.kind)) {
        throw new Error(`two adapters for platform kind "${adapter.kind}"`);
      }
      this.byKind.set(adapter.kind, adapter);
      for (const type of adapter.extraTokenTypes) {
        if (this.byTokenType.has(type) || JWT_TOKEN_TYPES.includes(type)) {
          throw new Error(`token type "${type}" is claimed twice`);
        }
        this.byTokenType.set(type, [adapter]);
      }
    }
    const jwtAdapters = adapters.filter((adapter) => adapter.acceptsJwt);
    for (const type of JWT_TOKEN_TYPES) this.byTokenType.set(type, jwtAdapters);
  }

  /** The kinds that have an adapter. */
  kinds(): PlatformKind[] {
    return [...this.byKind.keys()];
  }

  /** Whether `kind` has an adapter; check it before registering a platform of that kind. */
  has(kind: PlatformKind): boolean {
    return this.byKind.has(kind);
  }

  /** @throws {Error} when no adapter handles `kind` (see {@link AdapterRegistry.has}). */
  get(kind: PlatformKind): PlatformAdapter {
    const adapter = this.byKind.get(kind);
    if (adapter === undefined) {
      throw new Error(`no adapter for platform kind "${kind}"`);
    }
    return adapter;
  }

  /** Every token type some adapter accepts: the JWT types and the kinds' own. */
  tokenTypes(): string[] {
    return [...this.byTokenType.keys()];
  }

  /** The adapters that accept `type`, in registration order; none for an unknown type. */
  forTokenType(type: string): readonly PlatformAdapter[] {
    return this.byTokenType.get(type) ?? [];
  }

  /** Whether `type` is one of the JWT token types. */
  isJwtType(type: string): boolean {
    return JWT_TOKEN_TYPES.includes(type);
  }
}
