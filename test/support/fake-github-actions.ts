import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { applyClaimOverrides, LoopbackJsonServer } from './loopback-json-server';

/** Options of {@link startFakeGitHubActions}. */
export interface FakeGitHubActionsOptions {
  /** The clock tokens are issued at: pass the broker's `TestClock.now`. */
  now: () => Date;
  /**
   * Where the issuer lives on the fake's origin, as GitHub lays it out: `/_services/token` (GitHub
   * Enterprise Server, the default), `/<enterprise-slug>`, or `''` (token.actions.githubusercontent.com).
   */
  issuerPath?: string;
  /**
   * The `iss` minted and named by discovery when it differs from the fake's own URL, e.g.
   * `https://token.actions.githubusercontent.com` for a platform registered with the fake's `jwksUri`.
   */
  issuer?: string;
}

/** The `sub` GitHub writes: classic names, the immutable-ID form, or a custom template's claim keys. */
export type GitHubSubjectFormat = 'classic' | 'immutable' | readonly string[];

/** What one workflow job asks a token for; every field has a realistic default. */
export interface GitHubActionsMintOptions {
  aud?: string | string[];
  /** `owner/name`. Default `octo-org/octo-repo`. */
  repository?: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  visibility?: 'public' | 'private' | 'internal';
  /** Default `refs/heads/main` (`refs/pull/1/merge` for pull requests). */
  ref?: string;
  refProtected?: boolean;
  /** Default `push`. */
  event?: string;
  environment?: string;
  enterprise?: { slug: string; id: string };
  actor?: string;
  actorId?: string;
  /** The calling workflow's file. Default `.github/workflows/deploy.yml`. */
  workflowFile?: string;
  /** A reusable workflow the job runs (`owner/repo/.github/workflows/x.yml@ref`); default the caller. */
  jobWorkflowRef?: string;
  subject?: GitHubSubjectFormat;
  runnerEnvironment?: 'github-hosted' | 'self-hosted';
  /** Default the fake's clock. */
  now?: Date;
  /** `exp - iat`. Default 300 s, as GitHub issues. */
  lifetimeSeconds?: number;
  /** Claim overrides applied last; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
}

/** A loopback GitHub Actions OIDC issuer for specs and e2e suites. */
export interface FakeGitHubActions {
  /** The `iss` of minted tokens. */
  issuer: string;
  /** The fake's `/.well-known/jwks` under the issuer path (always loopback). */
  jwksUri: string;
  /** Mints an Actions OIDC token signed with the current key. */
  mint(options?: GitHubActionsMintOptions): Promise<string>;
  /** Mints a runner credential signed with the same key: no `sub`, no `aud`, 6 h long. */
  mintRunnerCredential(now?: Date): Promise<string>;
  /** Signs with a new key from now on; the old keys stay published unless `dropPrevious`. */
  rotateKey(options?: { dropPrevious?: boolean }): Promise<void>;
  /** The public keys as published. */
  readonly keys: JWK[];
  requests: { discovery: number; jwks: number };
  /** While false, discovery and keys answer 503. */
  available: boolean;
  close(): Promise<void>;
}

/** The claims GitHub's discovery document lists. */
const CLAIMS_SUPPORTED = (
  'sub aud exp iat iss jti nbf ref sha repository repository_id repository_owner ' +
  'repository_owner_id enterprise enterprise_id run_id run_number run_attempt actor actor_id ' +
  'workflow workflow_ref workflow_sha head_ref base_ref event_name ref_type ref_protected ' +
  'environment job_workflow_ref job_workflow_sha repository_visibility runner_environment'
).split(' ');

interface IssuerKey {
  kid: string;
  x5t: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** GitHub's kids are the upper-case hex SHA-1 thumbprint that `x5t` carries in base64url. */
async function createIssuerKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const spki = Buffer.from((await exportSPKI(publicKey)).replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64');
  const thumbprint = createHash('sha1').update(spki).digest();
  const kid = thumbprint.toString('hex').toUpperCase();
  const x5t = thumbprint.toString('base64url');
  const jwk = await exportJWK(publicKey);
  return {
    kid,
    x5t,
    privateKey,
    publicJwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: jwk.n, e: jwk.e, x5t },
  };
}

function hex40(...parts: string[]): string {
  return createHash('sha1').update(parts.join('/')).digest('hex');
}

function contextOf(event: string, ref: string, environment: string | undefined): string {
  if (environment !== undefined) return `environment:${environment}`;
  if (event === 'pull_request' || event === 'pull_request_target') return 'pull_request';
  return `ref:${ref}`;
}

function subjectOf(format: GitHubSubjectFormat, claims: Record<string, unknown>, context: string): string {
  const repository = String(claims.repository);
  if (format === 'classic') return `repo:${repository}:${context}`;
  if (format === 'immutable') {
    const [owner, name] = repository.split('/');
    return `repo:${owner}-${String(claims.repository_owner_id)}/${name}-${String(claims.repository_id)}:${context}`;
  }
  return format
    .map((key) => {
      if (key === 'repo') return `repo:${repository}`;
      if (key === 'context') return context;
      const value = claims[key];
      return `${key}:${typeof value === 'string' ? value : ''}`;
    })
    .join(':');
}

/**
 * Starts a fake GitHub Actions OIDC provider on 127.0.0.1. It serves
 * `<issuer>/.well-known/openid-configuration` and `<issuer>/.well-known/jwks` as GitHub does, and
 * mints RS256 tokens with GitHub's claim set (string IDs, `ref_protected` as a string, empty
 * `head_ref`/`base_ref` outside pull requests, `nbf = iat - 600`, `exp = iat + 300`, header `x5t`).
 */
export async function startFakeGitHubActions(options: FakeGitHubActionsOptions): Promise<FakeGitHubActions> {
  const server = await LoopbackJsonServer.start(['discovery', 'jwks'] as const);
  const base = `${server.origin}${options.issuerPath ?? '/_services/token'}`;
  const issuer = options.issuer ?? base;
  const jwksUri = `${base}/.well-known/jwks`;
  let keys = [await createIssuerKey()];
  let runs = 7_000_000_000;

  server.route(new URL(`${base}/.well-known/openid-configuration`).pathname, 'discovery', () => ({
    issuer,
    jwks_uri: jwksUri,
    subject_types_supported: ['public', 'pairwise'],
    response_types_supported: ['id_token'],
    claims_supported: CLAIMS_SUPPORTED,
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
  }));
  server.route(new URL(jwksUri).pathname, 'jwks', () => ({ keys: keys.map((key) => key.publicJwk) }));

  const sign = (claims: Record<string, unknown>): Promise<string> => {
    const [key] = keys;
    if (key === undefined) throw new Error('the fake GitHub issuer has no key');
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid })
      .sign(key.privateKey);
  };

  const mint = (mintOptions: GitHubActionsMintOptions = {}): Promise<string> => {
    const repository = mintOptions.repository ?? 'octo-org/octo-repo';
    const [owner = ''] = repository.split('/');
    const event = mintOptions.event ?? 'push';
    const isPullRequest = event === 'pull_request' || event === 'pull_request_target';
    const ref = mintOptions.ref ?? (isPullRequest ? 'refs/pull/1/merge' : 'refs/heads/main');
    const sha = hex40(repository, ref);
    const workflowRef = `${repository}/${mintOptions.workflowFile ?? '.github/workflows/deploy.yml'}@${ref}`;
    const iat = Math.floor((mintOptions.now ?? options.now()).getTime() / 1000);
    runs += 1;
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      sub: '',
      aud: mintOptions.aud ?? `https://github.com/${owner}`,
      ref,
      sha,
      repository,
      repository_owner: owner,
      repository_owner_id: mintOptions.repositoryOwnerId ?? '81239001',
      run_id: String(runs),
      run_number: '42',
      run_attempt: '1',
      repository_visibility: mintOptions.visibility ?? 'private',
      repository_id: mintOptions.repositoryId ?? '702334411',
      actor_id: mintOptions.actorId ?? '5120021',
      actor: mintOptions.actor ?? 'octocat',
      workflow: 'Deploy',
      head_ref: isPullRequest ? 'feature' : '',
      base_ref: isPullRequest ? 'main' : '',
      event_name: event,
      ref_protected: String(mintOptions.refProtected ?? !isPullRequest),
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      workflow_ref: workflowRef,
      workflow_sha: sha,
      job_workflow_ref: mintOptions.jobWorkflowRef ?? workflowRef,
      job_workflow_sha: sha,
      runner_environment: mintOptions.runnerEnvironment ?? 'github-hosted',
      ...(mintOptions.environment === undefined ? {} : { environment: mintOptions.environment }),
      ...(mintOptions.enterprise === undefined
        ? {}
        : { enterprise: mintOptions.enterprise.slug, enterprise_id: mintOptions.enterprise.id }),
      iss: issuer,
      nbf: iat - 600,
      exp: iat + (mintOptions.lifetimeSeconds ?? 300),
      iat,
    };
    const context = contextOf(event, ref, mintOptions.environment);
    claims.sub = subjectOf(mintOptions.subject ?? 'classic', claims, context);
    return sign(applyClaimOverrides(claims, mintOptions.claims));
  };

  const mintRunnerCredential = (now?: Date): Promise<string> => {
    const iat = Math.floor((now ?? options.now()).getTime() / 1000);
    return sign({
      billing_owner_id: 'U_kgDOCfake01',
      exp: iat + 21_780,
      iat,
      iss: issuer,
      labels: '["ubuntu-latest"]',
      nbf: iat - 300,
      orch_id: `${randomUUID()}.deploy.__default`,
      owner_id: 'U_kgDOCfake01',
      runner_group_id: '0',
      runner_id: '1000000227',
      runner_name: 'GitHub Actions 1000000227',
      runner_os: 'linux',
      runner_type: 'hosted',
    });
  };

  return {
    issuer,
    jwksUri,
    mint,
    mintRunnerCredential,
    async rotateKey(rotateOptions = {}) {
      const next = await createIssuerKey();
      keys = rotateOptions.dropPrevious === true ? [next] : [next, ...keys];
    },
    get keys() {
      return keys.map((key) => key.publicJwk);
    },
    requests: server.requests,
    get available() {
      return server.available;
    },
    set available(value: boolean) {
      server.available = value;
    },
    close: () => server.close(),
  };
}
