import { AWS_REGION } from '../aws-settings.schema';

/** Where a signed `GetCallerIdentity` request may be sent when the broker configures nothing else. */
export const DEFAULT_AWS_STS_ENDPOINTS: readonly string[] = [
  'https://sts.amazonaws.com',
  'https://sts.{region}.amazonaws.com',
];

const REGION_PLACEHOLDER = '{region}';

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(pattern: string): RegExp {
  const origin = pattern.replace(/\/+$/, '').toLowerCase();
  const region = AWS_REGION.source.slice(1, -1);
  const source = origin.split(REGION_PLACEHOLDER).map(escapeRegExp).join(region);
  return new RegExp(`^${source}$`);
}

/**
 * The STS endpoints the broker forwards signed requests to: origins (`scheme://host[:port]`), where
 * `{region}` stands for any AWS region name. Nothing else is ever called, so a credential cannot
 * make the broker send requests elsewhere.
 */
export class StsEndpoints {
  private readonly patterns: readonly RegExp[];

  constructor(patterns: readonly string[] = DEFAULT_AWS_STS_ENDPOINTS) {
    this.patterns = patterns.map(compile);
  }

  /** Whether `url`'s origin is allowed and it carries no credentials or fragment. */
  allows(url: URL): boolean {
    if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
    return this.patterns.some((pattern) => pattern.test(url.origin));
  }
}
