import { ExchangeError } from './exchange.error';

/** Parsed `application/x-www-form-urlencoded` parameters; values in the order they came. */
export type TokenForm = ReadonlyMap<string, readonly string[]>;

/** RFC 8693 §2.1: only `audience` and `resource` may appear more than once. */
const REPEATABLE = new Set(['audience', 'resource']);

/** Caps from API.md: a body over 64 KiB or a token over 16 KiB is refused before parsing or crypto. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_TOKEN_BYTES = 16 * 1024;

/** Parses a form body, refusing duplicate parameters (RFC 6749 §3.2) and empty names. */
export function parseTokenForm(body: string): TokenForm {
  const form = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (name === '')
      throw new ExchangeError('malformed_request', 'the request has a parameter without a name');
    const values = form.get(name);
    if (!values) {
      form.set(name, [value]);
      continue;
    }
    if (!REPEATABLE.has(name)) {
      throw new ExchangeError('malformed_request', `the parameter ${name} must not repeat`);
    }
    values.push(value);
  }
  return form;
}

/** The single value of `name`, or undefined; an empty value counts as absent (RFC 6749 §3.1). */
export function optionalParam(form: TokenForm, name: string): string | undefined {
  const value = form.get(name)?.[0];
  return value === undefined || value === '' ? undefined : value;
}

export function requiredParam(form: TokenForm, name: string): string {
  const value = optionalParam(form, name);
  if (value === undefined) throw new ExchangeError('malformed_request', `the parameter ${name} is required`);
  return value;
}

/** A token-carrying parameter, size-checked before anything decodes it. */
export function tokenParam(form: TokenForm, name: string): string {
  const value = requiredParam(form, name);
  if (Buffer.byteLength(value) > MAX_TOKEN_BYTES) {
    throw new ExchangeError(
      'malformed_request',
      `the parameter ${name} is larger than ${MAX_TOKEN_BYTES} bytes`,
    );
  }
  return value;
}

/** Every non-empty value of a repeatable parameter. */
export function listParam(form: TokenForm, name: string): string[] {
  return (form.get(name) ?? []).filter((v) => v !== '');
}

/** RFC 6749 §3.3: space-delimited, case-sensitive scope tokens; undefined when not sent. */
export function scopeParam(form: TokenForm): string[] | undefined {
  const raw = optionalParam(form, 'scope');
  if (raw === undefined) return undefined;
  const scopes = raw.split(' ').filter((s) => s !== '');
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
    throw new ExchangeError('malformed_request', 'the scope parameter is malformed');
  }
  return [...new Set(scopes)];
}
