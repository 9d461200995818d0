import {
  AdapterRegistry,
  COMMON_IDENTITY_FIELDS,
  KeyResolver,
  presentCredential,
  VerificationError,
  type Identity,
  type PlatformAdapter,
  type PlatformConfig,
  type VerifiedCredential,
} from '@fedbroker/platforms';

/** An `aws` platform as the catalog holds it, for specs; `settings` must name the account. */
export function awsPlatform(
  overrides: Partial<PlatformConfig> & { settings: Record<string, unknown> },
): PlatformConfig {
  return {
    id: 'aws-1',
    name: 'prod-account',
    kind: 'aws',
    issuer: 'https://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.tokens.sts.global.api.aws',
    audiences: ['https://broker.example/token'],
    clockSkewSeconds: 60,
    enabled: true,
    version: 1,
    ...overrides,
  };
}

/** What {@link decideAws} runs with. */
export interface DecideOptions {
  now: Date;
  keys?: KeyResolver;
}

/**
 * Decides a credential as `/token` does, for one platform: decoded once, located by the adapter
 * (its route keys must lead to `platform`), then verified by it.
 *
 * @throws {VerificationError} as the adapter refuses, or `issuer_not_trusted` when no route leads to `platform`.
 */
export async function decideAws(
  adapter: PlatformAdapter,
  platform: PlatformConfig,
  token: string,
  tokenType: string,
  options: DecideOptions,
): Promise<VerifiedCredential> {
  const ctx = {
    now: options.now,
    keys: options.keys ?? new KeyResolver({ now: () => options.now.getTime() }),
    allowHttp: false,
  };
  const credential = presentCredential(token, tokenType, new AdapterRegistry([]).isJwtType(tokenType));
  const routes = await adapter.locate(credential, ctx);
  const answers = adapter.routeKeys(platform);
  if (!routes.some((route) => answers.includes(route))) {
    throw new VerificationError('issuer_not_trusted', 'no route leads to the platform');
  }
  return adapter.verify(credential, platform, ctx);
}

/** The refusal of a decision, or `undefined` when it was accepted; anything else is rethrown. */
export async function refusalOf(decision: Promise<unknown>): Promise<VerificationError | undefined> {
  try {
    await decision;
    return undefined;
  } catch (error) {
    if (error instanceof VerificationError) return error;
    throw error;
  }
}

function celType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'boolean') return 'bool';
  if (Number.isInteger(value)) return 'int';
  if (typeof value === 'string') return 'string';
  return typeof value === 'object' && value !== null ? 'map' : typeof value;
}

/** The identity's fields the adapter does not declare, or declares with another CEL type (`field: type`). */
export function undeclaredFields(identity: Identity, adapter: PlatformAdapter): string[] {
  const declared = { ...COMMON_IDENTITY_FIELDS, ...adapter.identityFields };
  return Object.entries(identity)
    .filter(([field, value]) => declared[field] !== celType(value))
    .map(([field, value]) => `${field}: ${celType(value)}`);
}
