import { setTimeout as sleep } from 'node:timers/promises';

/** One `POST /token` as the client saw it; times are `performance.now()` of the test process. */
export interface TokenAttempt {
  started: number;
  ended: number;
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  /** The OAuth `error` of a refusal. */
  error: string | undefined;
  description: string | undefined;
  /** `X-Request-Id` of the answer: the audit event's `request_id`. */
  requestId: string | undefined;
  /** `jti` of the issued access token. */
  jti: string | undefined;
}

export interface TokenLoadOptions {
  clients: number;
  /** Pause of each client between its requests. */
  pauseMs: number;
  /** The next form body to send. */
  body: () => string;
  /** A client stops once its request is not answered (the broker has stopped listening). */
  stopWhenUnanswered?: boolean;
}

/** Concurrent clients exchanging tokens until stopped. */
export interface TokenLoad {
  readonly attempts: readonly TokenAttempt[];
  /** Resolves once every client has stopped, with all attempts. */
  stop(): Promise<readonly TokenAttempt[]>;
}

export function startTokenLoad(url: string, options: TokenLoadOptions): TokenLoad {
  const attempts: TokenAttempt[] = [];
  let stopped = false;
  const client = async (): Promise<void> => {
    while (!stopped) {
      const attempt = await exchange(url, options.body());
      attempts.push(attempt);
      if (attempt.status === 0 && options.stopWhenUnanswered) return;
      await sleep(options.pauseMs);
    }
  };
  const clients = Promise.all(Array.from({ length: options.clients }, client));
  return {
    attempts,
    async stop() {
      stopped = true;
      await clients;
      return attempts;
    },
  };
}

async function exchange(url: string, body: string): Promise<TokenAttempt> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(40_000),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    return {
      started,
      ended: performance.now(),
      status: response.status,
      error: typeof answer.error === 'string' ? answer.error : undefined,
      description: typeof answer.error_description === 'string' ? answer.error_description : undefined,
      requestId: response.headers.get('x-request-id') ?? undefined,
      jti: typeof answer.access_token === 'string' ? jtiOf(answer.access_token) : undefined,
    };
  } catch {
    const ended = performance.now();
    return {
      started,
      ended,
      status: 0,
      error: undefined,
      description: undefined,
      requestId: undefined,
      jti: undefined,
    };
  }
}

function jtiOf(jwt: string): string | undefined {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    jti?: unknown;
  };
  return typeof payload.jti === 'string' ? payload.jti : undefined;
}
