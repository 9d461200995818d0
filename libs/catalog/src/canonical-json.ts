/**
 * JSON with every object's members sorted by name, so that two values PostgreSQL `jsonb` would
 * store alike (it does not keep member order) compare equal as strings.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'object' && member !== null && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
