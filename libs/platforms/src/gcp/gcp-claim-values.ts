import { invalidClaim, missingClaim } from '../errors/claim-errors';
import type { VerificationError } from '../errors/verification-error';

/** A JSON object claim. */
export type ClaimObject = Record<string, unknown>;

const DIGITS = /^[0-9]{1,32}$/;

function invalid(path: string): VerificationError {
  return invalidClaim(path);
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isClaimObject(value: unknown): value is ClaimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object claim `name` of `parent`, or `undefined` when absent. */
export function optionalObject(parent: ClaimObject, name: string, path: string): ClaimObject | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (!isClaimObject(value)) throw invalid(path);
  return value;
}

/** A non-empty string claim, or `undefined` when absent. */
export function optionalString(parent: ClaimObject, name: string, path: string): string | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(path);
  return value;
}

/** A non-empty string claim that must be present. */
export function requiredString(parent: ClaimObject, name: string, path: string): string {
  const value = optionalString(parent, name, path);
  if (value === undefined) {
    throw missingClaim(path);
  }
  return value;
}

function idValue(value: unknown, path: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && DIGITS.test(value)) return value;
  throw invalid(path);
}

/**
 * A numeric identifier as a string of digits, whether the platform sent a string or a JSON number
 * (Google sends `project_number` as a number): identifiers are always strings once normalized.
 */
export function optionalId(parent: ClaimObject, name: string, path: string): string | undefined {
  const value = parent[name];
  return value === undefined ? undefined : idValue(value, path);
}

/** A non-negative integer claim (a time in seconds), or `undefined` when absent. */
export function optionalInteger(parent: ClaimObject, name: string, path: string): number | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(path);
  return value;
}

/** A list of numeric identifiers, each normalized to a string, or `undefined` when absent. */
export function optionalIdList(parent: ClaimObject, name: string, path: string): string[] | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(path);
  return value.map((item: unknown) => idValue(item, path));
}

/** `{ [field]: value }`, or nothing when the value is absent: absent fields stay absent. */
export function present<K extends string, V>(field: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [field]: value } as Record<K, V>);
}
