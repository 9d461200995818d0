import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBroker, TestClock, type Broker } from '../../support/broker-harness';
import { startFakeAws, type FakeAws } from '../../support/fake-aws';
import { startFakeAzure, type FakeAzure } from '../../support/fake-azure';
import { startFakeGcp, type FakeGcp } from '../../support/fake-gcp';
import { startFakeGitHubActions, type FakeGitHubActions } from '../../support/fake-github-actions';
import { startFakeGitLab, type FakeGitLab } from '../../support/fake-gitlab';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../../support/fake-kubernetes-issuer';
import { startFakeSpiffe, type FakeSpiffe } from '../../support/fake-spiffe';
import { forgeKey, type ForgeKey } from './jws-forge';

export const BROKER_AUDIENCE = 'https://broker.test/token';
export const API = 'https://api.hostile.example';
export const FORGE_ISSUER = 'https://forge.cluster.test';
export const FORGE_B_ISSUER = 'https://forge-b.cluster.test';
export const SERVED_ISSUER = 'https://served.cluster.test';
const ACCOUNT = '111122223333';
const AZURE_APP = 'api://fedbroker';

/** The platform kinds, each with a fake that mints valid credentials. */
export type Kind = 'kubernetes' | 'spiffe' | 'github-actions' | 'gitlab' | 'gcp' | 'azure' | 'aws';
export const KINDS: readonly Kind[] = [
  'kubernetes',
  'spiffe',
  'github-actions',
  'gitlab',
  'gcp',
  'azure',
  'aws',
];

/**
 * A loopback server that counts what it serves: any path but `/jwks` is an address an attacker
 * named in `jku` or `x5u`; `/jwks` is the key set of the `served` platform, weak keys included.
 */
export interface Trap {
  url: string;
  hits: number;
  servedKeys: Record<string, unknown>[];
  close(): Promise<void>;
}

async function startTrap(): Promise<Trap> {
  const trap: Trap = { url: '', hits: 0, servedKeys: [], close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') trap.hits += 1;
    const keys = req.url === '/jwks' ? trap.servedKeys : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  trap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  trap.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return trap;
}

/** What one `/token` request came to: the answer and the audit rows of its request id. */
export interface Outcome {
  status: number;
  body: Record<string, unknown>;
  requestId: string;
  events: { outcome: string; error: string | null; reason: string | null }[];
}

/**
 * One broker with a platform of every kind (each with a policy that matches anything, so only the
 * credential checks can refuse), the fakes behind them, two platforms on keys the suite holds, and
 * a trap for addresses named in headers.
 */
export interface HostileWorld {
  clock: TestClock;
  broker: Broker;
  trap: Trap;
  fakes: {
    kubernetes: FakeKubernetesIssuer;
    spiffe: FakeSpiffe;
    githubActions: FakeGitHubActions;
    gitlab: FakeGitLab;
    gcp: FakeGcp;
    azure: FakeAzure;
    aws: FakeAws;
  };
  /**
   * The suite's own keys: `rsa`, `ec` and `shared` inline on `forge`, `sharedB` on `forge-b`;
   * `weak` (1024 bits), `enc` (use enc) and `served` from the trap's `/jwks` for `served`.
   */
  keys: Record<'rsa' | 'ec' | 'weak' | 'enc' | 'shared' | 'sharedB' | 'served', ForgeKey>;
  /** A valid credential of `kind`, minted now, addressed to the broker. */
  mint(kind: Kind): Promise<string>;
  /** The public JWK that verifies `token`, as its platform publishes it. */
  publicJwkOf(kind: Kind, kid: string): Promise<Record<string, unknown>>;
  /** Requests every fake key source and the trap have served so far. */
  fetches(): number;
  /** Sends a raw request to `/token` and reads its audit rows. */
  send(init: RequestInit & { method?: string }): Promise<Outcome>;
  close(): Promise<void>;
}

async function created(broker: Broker, path: string, body: Record<string, unknown>): Promise<void> {
  const response = await broker.admin('POST', path, body);
  if (response.status !== 201)
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

export async function startHostileWorld(): Promise<HostileWorld> {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  const trap = await startTrap();
  const fakes = {
    kubernetes: await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE }),
    spiffe: await startFakeSpiffe({ now: clock.now, audience: BROKER_AUDIENCE, jwtIssuer: true }),
    githubActions: await startFakeGitHubActions({ now: clock.now }),
    gitlab: await startFakeGitLab({ now: clock.now }),
    gcp: await startFakeGcp({ now: clock.now }),
    azure: await startFakeAzure({ now: clock.now }),
    aws: await startFakeAws({ clock, accounts: [ACCOUNT], regions: ['us-east-1'] }),
  };
  const keys = {
    rsa: forgeKey('rsa', 'RS256'),
    ec: forgeKey('ec', 'ES256'),
    weak: forgeKey('weak', 'RS256', { bits: 1024 }),
    enc: forgeKey('enc', 'ES256', { use: 'enc' }),
    shared: forgeKey('shared', 'ES256'),
    sharedB: forgeKey('shared', 'ES256'),
    served: forgeKey('served', 'ES256'),
  };
  trap.servedKeys = [keys.weak.jwk, keys.enc.jwk, keys.served.jwk];
  const broker = await startBroker({ FEDBROKER_AWS_STS_ENDPOINTS: fakes.aws.sts.endpoint }, clock);
  const webIdentity = fakes.aws.account(ACCOUNT).webIdentity;
  const platforms: Record<string, unknown>[] = [
    { name: 'k8s', kind: 'kubernetes', issuer: fakes.kubernetes.issuer },
    {
      name: 'mesh',
      kind: 'spiffe',
      issuer: fakes.spiffe.issuer,
      audiences: [BROKER_AUDIENCE],
      settings: { trustDomain: fakes.spiffe.trustDomain },
    },
    {
      name: 'actions',
      kind: 'github-actions',
      issuer: fakes.githubActions.issuer,
      audiences: [BROKER_AUDIENCE],
    },
    { name: 'gitlab', kind: 'gitlab', issuer: fakes.gitlab.issuer, audiences: [BROKER_AUDIENCE] },
    { name: 'google', kind: 'gcp', issuer: fakes.gcp.issuer, audiences: [BROKER_AUDIENCE] },
    {
      name: 'contoso',
      kind: 'azure',
      issuer: `https://sts.windows.net/${fakes.azure.tenantId}/`,
      jwksUri: fakes.azure.commonKeysUri,
      audiences: [AZURE_APP],
      settings: { tenantId: fakes.azure.tenantId },
    },
    { name: 'account', kind: 'aws', issuer: webIdentity.issuer, settings: { accountId: ACCOUNT } },
    {
      name: 'forge',
      kind: 'kubernetes',
      issuer: FORGE_ISSUER,
      jwks: { keys: [keys.rsa.jwk, keys.ec.jwk, keys.shared.jwk] },
    },
    { name: 'served', kind: 'kubernetes', issuer: SERVED_ISSUER, jwksUri: `${trap.url}/jwks` },
    { name: 'forge-b', kind: 'kubernetes', issuer: FORGE_B_ISSUER, jwks: { keys: [keys.sharedB.jwk] } },
  ];
  for (const platform of platforms) {
    await created(broker, '/admin/v1/platforms', platform);
    await created(broker, '/admin/v1/policies', {
      name: `${String(platform.name)}-anything`,
      platform: platform.name,
      condition: 'true',
      subject: "'hostile:' + identity.subject",
      audiences: [API],
      scopes: ['read'],
    });
  }

  const mint = async (kind: Kind): Promise<string> => {
    switch (kind) {
      case 'kubernetes':
        return fakes.kubernetes.mint({ namespace: 'apps', serviceAccount: 'api' });
      case 'spiffe':
        return fakes.spiffe.mint({ path: '/ns/apps/sa/api' });
      case 'github-actions':
        return fakes.githubActions.mint({ aud: BROKER_AUDIENCE });
      case 'gitlab':
        return fakes.gitlab.mint({ aud: BROKER_AUDIENCE });
      case 'gcp':
        return fakes.gcp.mint({ audience: BROKER_AUDIENCE });
      case 'azure':
        return fakes.azure.mintAccessToken({ resource: AZURE_APP, identity: 'user' });
      case 'aws':
        return webIdentity.mint({ roleName: 'deployer', audience: BROKER_AUDIENCE });
    }
  };

  const jwksUris: Record<Kind, string> = {
    kubernetes: fakes.kubernetes.jwksUri,
    spiffe: fakes.spiffe.jwksUri,
    'github-actions': fakes.githubActions.jwksUri,
    gitlab: fakes.gitlab.jwksUri,
    gcp: fakes.gcp.jwksUri,
    azure: fakes.azure.commonKeysUri,
    aws: `${webIdentity.issuer}/.well-known/jwks.json`,
  };

  return {
    clock,
    broker,
    trap,
    fakes,
    keys,
    mint,
    async publicJwkOf(kind, kid) {
      const { keys: published } = (await (await fetch(jwksUris[kind])).json()) as {
        keys: Record<string, unknown>[];
      };
      const jwk = published.find((key) => key.kid === kid);
      if (jwk === undefined) throw new Error(`${kind} publishes no key ${kid}`);
      return jwk;
    },
    fetches: () =>
      trap.hits +
      sum(fakes.kubernetes.requests) +
      sum(fakes.spiffe.requests) +
      sum(fakes.githubActions.requests) +
      sum(fakes.gitlab.requests) +
      sum(fakes.gcp.requests) +
      fakes.azure.requests.openidConfiguration +
      fakes.azure.requests.keys +
      sum(webIdentity.requests),
    async send(init) {
      const response = await fetch(`${broker.url}/token`, init);
      const text = await response.text();
      const answeredId = response.headers.get('x-request-id') ?? '';
      const events = await broker.runtime.dataSource.query<Outcome['events']>(
        'SELECT outcome, error, reason FROM audit_events WHERE request_id = $1',
        [answeredId],
      );
      return { status: response.status, body: parseBody(text), requestId: answeredId, events };
    },
    async close() {
      await broker.close();
      await Promise.all([trap.close(), ...Object.values(fakes).map((fake) => fake.close())]);
    },
  };
}

function parseBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { unparsed: text };
  }
}
