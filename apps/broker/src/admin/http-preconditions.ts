import { CatalogError } from '@fedbroker/catalog';

/** A strong ETag for a versioned resource. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The version an `If-Match` header demands; undefined when absent or `*`. */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(ifMatch);
  if (!match?.[1])
    throw new CatalogError('precondition_failed', 'If-Match does not name a version of this resource');
  return Number(match[1]);
}
