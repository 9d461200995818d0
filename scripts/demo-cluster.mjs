// Stands in for a Kubernetes cluster in the README's worked example: keeps a signing key in
// .data/demo-cluster-key.json and prints either its JWKS (`jwks`) or a fresh projected
// service-account token (`token <namespace> <serviceaccount> <audience>`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const keyFile = '.data/demo-cluster-key.json';

async function loadKey() {
  if (!existsSync(keyFile)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    mkdirSync('.data', { recursive: true });
    writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid: randomUUID() }), {
      mode: 0o600,
    });
  }
  return JSON.parse(readFileSync(keyFile, 'utf8'));
}

const [
  command,
  namespace = 'payments',
  serviceAccount = 'deployer',
  audience = 'http://localhost:8080/token',
] = process.argv.slice(2);
const jwk = await loadKey();
if (command === 'jwks') {
  const { d: _private, ...publicJwk } = jwk;
  process.stdout.write(JSON.stringify({ keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' }] }));
} else if (command === 'token') {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    'kubernetes.io': {
      namespace,
      serviceaccount: { name: serviceAccount, uid: randomUUID() },
      pod: { name: `${serviceAccount}-7d4b9c`, uid: randomUUID() },
      node: { name: 'node-1', uid: randomUUID() },
    },
  })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
    .setIssuer(ISSUER)
    .setSubject(`system:serviceaccount:${namespace}:${serviceAccount}`)
    .setAudience([audience])
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, 'ES256'));
  process.stdout.write(token);
} else {
  process.stderr.write(
    'usage: node scripts/demo-cluster.mjs jwks | token [namespace] [serviceaccount] [audience]\n',
  );
  process.exit(2);
}
