import { PreconditionFailedError } from './precondition-failed.error';
import { PreconditionRequiredError } from './precondition-required.error';

/** A strong ETag for a versioned resource. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header accepts (RFC 9110 §13.1.1: a list, compared strongly, so a
 * weak tag never matches); undefined for `*`. A write without the header is refused (428), so that
 * no edit silently overwrites one it did not see.
 */
export function requiredVersions(ifMatch: string | undefined): readonly number[] | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new PreconditionRequiredError(
      'If-Match is required: send the ETag of the version this write replaces (or * for any)',
    );
  }
  if (ifMatch.trim() === '*') return undefined;
  return ifMatch
    .split(',')
    .map((tag) => /^\s*"(\d{1,9})"\s*$/.exec(tag)?.[1])
    .filter((version): version is string => version !== undefined)
    .map(Number);
}

/**
 * `If-Match` on a resource without an ETag (a credential: never edited, only revoked): not required,
 * but a tag it names cannot match (RFC 9110 §13.1.1), so only `*` lets the write go on.
 */
export function requireNoTag(ifMatch: string | undefined): void {
  const value = ifMatch?.trim();
  if (value !== undefined && value !== '' && value !== '*') {
    throw new PreconditionFailedError('this resource has no ETag: send If-Match: * or none');
  }
}
