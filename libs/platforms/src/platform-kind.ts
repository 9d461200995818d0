/** The platform kinds fedbroker knows how to register, as used by the admin API. */
export const PLATFORM_KINDS = [
  'kubernetes',
  'spiffe',
  'github-actions',
  'gitlab',
  'gcp',
  'azure',
  'aws',
] as const satisfies readonly string[];

/** A platform kind: which family of workload tokens a registered platform issues. */
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

/** Whether `value` names a known platform kind. */
export function isPlatformKind(value: unknown): value is PlatformKind {
  return typeof value === 'string' && (PLATFORM_KINDS as readonly string[]).includes(value);
}
