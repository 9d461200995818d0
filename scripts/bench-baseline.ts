// The benchmark's ideal baseline: the least a token exchange can do. A bare node:http server that
// parses the form, verifies the subject token against a local JWKS and signs an RFC 9068 access
// token. No framework, no database, no policy, no audit. Run by scripts/bench.ts as a child process.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
} from 'jose';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const MAX_BODY_BYTES = 64 * 1024;
const TTL_SECONDS = 900;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`bench-baseline: ${name} is required`);
  }
  return value;
}

const port = Number(required('BASELINE_PORT'));
const subjectIssuer = required('BASELINE_SUBJECT_ISSUER');
const subjectAudience = required('BASELINE_SUBJECT_AUDIENCE');
const subjectKeys = createLocalJWKSet(JSON.parse(required('BASELINE_SUBJECT_JWKS')) as JSONWebKeySet);
const issuer = required('BASELINE_ISSUER');
const tokenAudience = required('BASELINE_TOKEN_AUDIENCE');

function send(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));

  const exchange = async (form: URLSearchParams): Promise<[number, unknown]> => {
    const subjectToken = form.get('subject_token');
    if (
      form.get('grant_type') !== TOKEN_EXCHANGE ||
      form.get('subject_token_type') !== JWT_TYPE ||
      subjectToken === null
    ) {
      return [400, { error: 'invalid_request', error_description: 'not a JWT token exchange' }];
    }
    let subject: string;
    try {
      const { payload } = await jwtVerify(subjectToken, subjectKeys, {
        issuer: subjectIssuer,
        audience: subjectAudience,
        algorithms: ['RS256', 'ES256'],
      });
      subject = payload.sub ?? '';
    } catch {
      return [400, { error: 'invalid_request', error_description: 'the subject token is invalid' }];
    }
    const accessToken = await new SignJWT({ client_id: subject, scope: 'bench.read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(tokenAudience)
      .setIssuedAt()
      .setExpirationTime(`${TTL_SECONDS}s`)
      .setJti(randomUUID())
      .sign(privateKey);
    return [
      200,
      {
        access_token: accessToken,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: TTL_SECONDS,
        scope: 'bench.read',
      },
    ];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/healthz') {
      send(res, 200, { status: 'ok' });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/token') {
      send(res, 404, { error: 'not_found' });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      send(res, 413, { error: 'invalid_request', error_description: 'the request body is too large' });
      return;
    }
    const [status, response] = await exchange(new URLSearchParams(body));
    send(res, status, response);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-baseline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
