import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** How the key endpoint answers: normally, 503, never, after `slowMs`, or with a body that is not JSON. */
export type KeySourceMode = 'ok' | 'down' | 'hang' | 'slow' | 'garbage';

/** A cluster issuer on loopback whose key endpoint can be made to fail in each way a real one does. */
export interface FlakyKeySource {
  issuer: string;
  jwksUri: string;
  /** Leaving `hang` drops the connections it held, as a proxy's idle timeout would. */
  mode: KeySourceMode;
  slowMs: number;
  /** Requests to the key endpoint so far, answered or not. */
  readonly fetches: number;
  /** A projected service-account token of `apps/api`, signed with the current key, issued at `now`. */
  mint(now: Date): Promise<string>;
  /** Signs with a new key from now on; the previous one stays published, as issuers do. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export async function startFlakyKeySource(): Promise<FlakyKeySource> {
  let key = await newKey();
  let previous: Key | undefined;
  const hung: ServerResponse[] = [];
  let fetches = 0;
  const source = {
    issuer: '',
    jwksUri: '',
    mode: 'ok' as KeySourceMode,
    slowMs: 800,
  };
  const serve = async (res: ServerResponse): Promise<void> => {
    switch (source.mode) {
      case 'hang':
        hung.push(res);
        return;
      case 'down':
        res.writeHead(503).end();
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not a key set</html>');
        return;
      case 'slow':
        await sleep(source.slowMs);
        break;
      case 'ok':
        break;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [key, previous].flatMap((k) => (k ? [k.publicJwk] : [])) }));
  };
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    void serve(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  source.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  source.jwksUri = `${source.issuer}/jwks`;
  return {
    get issuer() {
      return source.issuer;
    },
    get jwksUri() {
      return source.jwksUri;
    },
    get mode() {
      return source.mode;
    },
    set mode(mode: KeySourceMode) {
      source.mode = mode;
      if (mode !== 'hang') for (const res of hung.splice(0)) res.destroy();
    },
    get slowMs() {
      return source.slowMs;
    },
    set slowMs(ms: number) {
      source.slowMs = ms;
    },
    get fetches() {
      return fetches;
    },
    mint(now: Date) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({
        aud: ['https://broker.test/token'],
        'kubernetes.io': {
          namespace: 'apps',
          pod: { name: 'api-0', uid: randomUUID() },
          serviceaccount: { name: 'api', uid: randomUUID() },
        },
        jti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(source.issuer)
        .setSubject('system:serviceaccount:apps:api')
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + 3600)
        .sign(key.privateKey);
    },
    async rotate() {
      previous = key;
      key = await newKey();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
