import { session } from './session.js';

/** @typedef {{ field: string, message: string }} FieldProblem */
/**
 * @typedef {object} Problem an RFC 9457 problem, as the admin API answers errors
 * @property {number} status
 * @property {string} [title]
 * @property {string} [detail]
 * @property {FieldProblem[]} [errors]
 * @property {{ resource: string, name: string }[]} [conflicts]
 */
/** @typedef {{ status: number, etag: string | null, body: unknown }} Answer */

/** A refusal of the admin API, with its problem details. */
export class ApiError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail ?? problem.title ?? `the broker answered ${problem.status}`);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem.status;
  }
}

/** @type {() => void} */
let onRejected = () => undefined;

/**
 * What to do when the broker stops accepting the credential (revoked): sign out.
 *
 * @param {() => void} callback
 */
export function whenCredentialRejected(callback) {
  onRejected = callback;
}

/**
 * Calls the admin API with the credential as a bearer header; no cookie is sent or kept.
 *
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, ifMatch?: string | null, signal?: AbortSignal, credential?: string }} [options]
 * @returns {Promise<Answer>}
 * @throws {ApiError} when the broker refuses
 */
export async function call(method, path, options = {}) {
  const credential = options.credential ?? session.credential();
  const headers = new Headers({ accept: 'application/json, application/problem+json' });
  if (credential) headers.set('authorization', `Bearer ${credential}`);
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  if (options.ifMatch) headers.set('if-match', options.ifMatch);
  const response = await fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal ?? null,
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  const text = await response.text();
  const body = parsed(text);
  if (response.ok) return { status: response.status, etag: response.headers.get('etag'), body };
  if (response.status === 401 && options.credential === undefined) onRejected();
  throw new ApiError(problemOf(body, response.status));
}

/**
 * @param {string} text
 * @returns {unknown}
 */
function parsed(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * @param {unknown} body
 * @param {number} status
 * @returns {Problem}
 */
function problemOf(body, status) {
  if (typeof body === 'object' && body !== null) return { ...body, status };
  return { status, title: `the broker answered ${status}` };
}
