import { CliError } from './cli-error';

/** A JSON object as the broker sends it; read its members with care. */
export type Json = Record<string, unknown>;

/** An answer of the admin API: status, headers and the parsed JSON body (null when there is none). */
export interface AdminAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface AdminRequest {
  body?: unknown;
  query?: Record<string, string | readonly string[] | undefined>;
  headers?: Record<string, string>;
}

const CREDENTIAL = /^[\x21-\x7E]+$/;

/**
 * The admin API at `FEDBROKER_URL`, called with the bearer credential `FEDBROKER_CREDENTIAL`. The
 * credential is sent in the `Authorization` header only, and never printed.
 */
export class AdminClient {
  private constructor(
    private readonly base: URL,
    private readonly credential: string,
    private readonly fetcher: typeof fetch,
  ) {}

  /** From `FEDBROKER_URL` and `FEDBROKER_CREDENTIAL`; a missing or bad one is named, never shown. */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    fetcher: typeof fetch = fetch,
  ): AdminClient {
    const raw = env.FEDBROKER_URL?.trim();
    if (!raw) throw new CliError('FEDBROKER_URL: must be set to the broker (or its admin listener) URL');
    let base: URL;
    try {
      base = new URL(raw);
    } catch {
      throw new CliError('FEDBROKER_URL: must be an absolute http(s) URL');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new CliError('FEDBROKER_URL: must be an absolute http(s) URL');
    }
    if (base.username || base.password) {
      throw new CliError('FEDBROKER_URL: must not carry credentials (give FEDBROKER_CREDENTIAL)');
    }
    const credential = env.FEDBROKER_CREDENTIAL?.trim();
    if (!credential || !CREDENTIAL.test(credential)) {
      throw new CliError('FEDBROKER_CREDENTIAL: must be set to an admin credential');
    }
    base.search = '';
    base.hash = '';
    return new AdminClient(base, credential, fetcher);
  }

  /** Sends a request and returns the answer whatever its status. */
  async send(method: string, path: string, request: AdminRequest = {}): Promise<AdminAnswer> {
    const url = new URL(this.base.toString());
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    for (const [name, value] of Object.entries(request.query ?? {})) {
      for (const item of value === undefined ? [] : [value].flat()) url.searchParams.append(name, item);
    }
    let response: Response;
    try {
      response = await this.fetcher(url, {
        method,
        redirect: 'error',
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.credential}`,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...request.headers,
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
    } catch (error) {
      throw new CliError(`cannot reach the broker at ${this.base.origin}: ${reasonOf(error)}`);
    }
    const text = await response.text();
    let body: unknown = null;
    if (text !== '' && /json/.test(response.headers.get('content-type') ?? '')) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        throw new CliError(`${method} ${path}: the broker answered ${response.status} with malformed JSON`);
      }
    }
    return { status: response.status, headers: response.headers, body };
  }

  /** Sends a request; a status other than 2xx throws a {@link CliError} with the problem's detail. */
  async call(method: string, path: string, request: AdminRequest = {}): Promise<AdminAnswer> {
    const answer = await this.send(method, path, request);
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw problemError(answer);
  }
}

/** Whether an answer is the broker saying it has no such endpoint (a 404 or 405 of its router). */
export function notServed(answer: AdminAnswer): boolean {
  const problem = isJson(answer.body) ? answer.body : {};
  return answer.status === 405 || (answer.status === 404 && problem.detail === undefined);
}

/** The RFC 9457 problem of a refused request, as a {@link CliError}: title, detail, fields, conflicts. */
export function problemError(answer: AdminAnswer): CliError {
  const problem = isJson(answer.body) ? answer.body : {};
  const title = typeof problem.title === 'string' ? problem.title : 'refused';
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  const details: string[] = [];
  for (const item of Array.isArray(problem.errors) ? problem.errors : []) {
    if (isJson(item)) details.push(`  ${String(item.field)}: ${String(item.message)}`);
  }
  for (const item of Array.isArray(problem.conflicts) ? problem.conflicts : []) {
    if (isJson(item)) details.push(`  conflicts with ${String(item.resource)} ${String(item.name)}`);
  }
  return new CliError(`${answer.status} ${title}${detail}`, details);
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
