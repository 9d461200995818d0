import { randomUUID, createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { applyClaimOverrides, LoopbackJsonServer } from './loopback-json-server';

/** Options of {@link startFakeGitLab}. */
export interface FakeGitLabOptions {
  /** The clock tokens are issued at: pass the broker's `TestClock.now`. */
  now: () => Date;
  /** The relative URL root of an instance installed under a path, e.g. `/gitlab`. Default none. */
  relativeUrlRoot?: string;
}

/** A GitLab project: its ID, its full path (`group/sub/project`) and its namespace's ID. */
export interface GitLabProject {
  id: string;
  path: string;
  namespaceId: string;
}

/** What one CI job asks an ID token for; every field has a realistic default. */
export interface GitLabMintOptions {
  /** The `aud` of the `id_tokens` entry. Default the instance URL, as GitLab's default. */
  aud?: string | string[];
  /** The project of the pipeline (a merge request's source project). Default `acme/payments`. */
  project?: GitLabProject;
  /**
   * The project the job runs in, when it is not `project`: a merge request from a fork whose
   * pipeline runs in the parent project. Sets `pipeline_source` to `merge_request_event`.
   */
  jobProject?: GitLabProject;
  user?: { id: string; login: string; email: string };
  /** Default `main`. */
  ref?: string;
  refType?: 'branch' | 'tag';
  refProtected?: boolean;
  pipelineSource?: string;
  environment?: { name: string; protected?: boolean; tier?: string; action?: string };
  runner?: { id: number; environment: 'gitlab-hosted' | 'self-hosted' };
  /** Default the fake's clock. */
  now?: Date;
  /** The job's timeout, which is the token's lifetime. Default 3600 s (a project's default). */
  jobTimeoutSeconds?: number;
  /** Claim overrides applied last; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
}

/** A loopback GitLab instance's ID-token issuer for specs and e2e suites. */
export interface FakeGitLab {
  /** The instance URL: the `iss` of minted ID tokens. */
  issuer: string;
  /** `<issuer>/oauth/discovery/keys`, as named by discovery. */
  jwksUri: string;
  /** Mints a CI/CD ID token (`id_tokens`) signed with the current key. */
  mint(options?: GitLabMintOptions): Promise<string>;
  /** Mints a legacy `CI_JOB_JWT` (v1): host-only `iss`, `sub` `job_<id>`, no `aud`. */
  mintCiJobJwtV1(options?: GitLabMintOptions): Promise<string>;
  rotateKey(options?: { dropPrevious?: boolean }): Promise<void>;
  readonly keys: JWK[];
  /** Requests per endpoint: discovery, `oauth/discovery/keys` and the older `-/jwks`. */
  requests: { discovery: number; keys: number; jwks: number };
  /** While false, every endpoint answers 503. */
  available: boolean;
  close(): Promise<void>;
}

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** GitLab's CI signing key ids are RFC 7638 thumbprints. */
async function createIssuerKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const { n, e } = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e });
  return { kid, privateKey, publicJwk: { kty: 'RSA', kid, e, n, use: 'sig', alg: 'RS256' } };
}

const DEFAULT_PROJECT: GitLabProject = { id: '48213307', path: 'acme/payments', namespaceId: '9970012' };
const DEFAULT_USER = { id: '1203885', login: 'jdoe', email: 'jdoe@example.com' };

function namespacePathOf(project: GitLabProject): string {
  return project.path.split('/').slice(0, -1).join('/');
}

/**
 * Starts a fake GitLab instance on 127.0.0.1, optionally under a relative URL root. It serves
 * `<issuer>/.well-known/openid-configuration`, `<issuer>/oauth/discovery/keys` and
 * `<issuer>/-/jwks` as GitLab does, and mints ID tokens with GitLab's claim set (string IDs,
 * `"true"`/`"false"` flags, a numeric `runner_id`, `nbf = iat - 5`, `exp = iat + job timeout`,
 * `sub` `project_path:<path>:ref_type:<type>:ref:<ref>`).
 */
export async function startFakeGitLab(options: FakeGitLabOptions): Promise<FakeGitLab> {
  const server = await LoopbackJsonServer.start(['discovery', 'keys', 'jwks'] as const);
  const issuer = `${server.origin}${options.relativeUrlRoot ?? ''}`;
  const root = options.relativeUrlRoot ?? '';
  const jwksUri = `${issuer}/oauth/discovery/keys`;
  let keys = [await createIssuerKey()];
  let jobs = 9_000_000_000;

  const publicKeys = () => ({ keys: keys.map((key) => key.publicJwk) });
  server.route(`${root}/.well-known/openid-configuration`, 'discovery', () => ({
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: jwksUri,
    scopes_supported: ['api', 'read_api', 'read_user', 'openid', 'profile', 'email'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'password', 'client_credentials', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claim_types_supported: ['normal'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'sub_legacy', 'name', 'nickname', 'email'],
  }));
  server.route(`${root}/oauth/discovery/keys`, 'keys', publicKeys);
  server.route(`${root}/-/jwks`, 'jwks', publicKeys);

  const sign = (claims: Record<string, unknown>): Promise<string> => {
    const [key] = keys;
    if (key === undefined) throw new Error('the fake GitLab issuer has no key');
    return new SignJWT(claims)
      .setProtectedHeader({ kid: key.kid, typ: 'JWT', alg: 'RS256' })
      .sign(key.privateKey);
  };

  const jobClaims = (mintOptions: GitLabMintOptions) => {
    const project = mintOptions.project ?? DEFAULT_PROJECT;
    const jobProject = mintOptions.jobProject ?? project;
    const fromFork = jobProject.id !== project.id;
    const user = mintOptions.user ?? DEFAULT_USER;
    const ref = mintOptions.ref ?? 'main';
    const refType = mintOptions.refType ?? 'branch';
    const refPath = `${refType === 'tag' ? 'refs/tags' : 'refs/heads'}/${ref}`;
    const sha = createHash('sha1').update(`${project.path}/${ref}`).digest('hex');
    const iat = Math.floor((mintOptions.now ?? options.now()).getTime() / 1000);
    jobs += 1;
    const environment = mintOptions.environment;
    return {
      iat,
      project,
      claims: {
        namespace_id: project.namespaceId,
        namespace_path: namespacePathOf(project),
        project_id: project.id,
        project_path: project.path,
        user_id: user.id,
        user_login: user.login,
        user_email: user.email,
        user_access_level: 'developer',
        job_project_id: jobProject.id,
        job_project_path: jobProject.path,
        job_namespace_id: jobProject.namespaceId,
        job_namespace_path: namespacePathOf(jobProject),
        pipeline_id: String(Math.floor(jobs / 7)),
        pipeline_source: mintOptions.pipelineSource ?? (fromFork ? 'merge_request_event' : 'push'),
        job_id: String(jobs),
        ref,
        ref_type: refType,
        ref_path: refPath,
        ref_protected: String(mintOptions.refProtected ?? (!fromFork && ref === 'main')),
        ...(environment === undefined
          ? {}
          : {
              environment: environment.name,
              environment_protected: String(environment.protected ?? false),
              deployment_tier: environment.tier ?? 'production',
              environment_action: environment.action ?? 'start',
            }),
        runner_id: mintOptions.runner?.id ?? 12270857,
        runner_environment: mintOptions.runner?.environment ?? 'gitlab-hosted',
        sha,
        project_visibility: 'private',
        ci_config_ref_uri: fromFork
          ? null
          : `${new URL(issuer).host}${root}/${project.path}//.gitlab-ci.yml@${refPath}`,
        ci_config_sha: fromFork ? null : sha,
      } as Record<string, unknown>,
    };
  };

  return {
    issuer,
    jwksUri,
    mint(mintOptions = {}) {
      const { iat, project, claims } = jobClaims(mintOptions);
      return sign(
        applyClaimOverrides(
          {
            ...claims,
            jti: randomUUID(),
            iss: issuer,
            iat,
            nbf: iat - 5,
            exp: iat + (mintOptions.jobTimeoutSeconds ?? 3600),
            sub: `project_path:${project.path}:ref_type:${String(claims.ref_type)}:ref:${String(claims.ref)}`,
            aud: mintOptions.aud ?? issuer,
          },
          mintOptions.claims,
        ),
      );
    },
    mintCiJobJwtV1(mintOptions = {}) {
      const { iat, claims } = jobClaims(mintOptions);
      const { namespace_id, namespace_path, project_id, project_path, user_id, user_login, user_email } =
        claims;
      const { pipeline_id, pipeline_source, job_id, ref, ref_type, ref_protected } = claims;
      return sign(
        applyClaimOverrides(
          {
            ...{ namespace_id, namespace_path, project_id, project_path, user_id, user_login, user_email },
            ...{ pipeline_id, pipeline_source, job_id, ref, ref_type, ref_protected },
            jti: randomUUID(),
            iss: new URL(issuer).hostname,
            iat,
            nbf: iat - 5,
            exp: iat + (mintOptions.jobTimeoutSeconds ?? 3600),
            sub: `job_${String(job_id)}`,
          },
          mintOptions.claims,
        ),
      );
    },
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
