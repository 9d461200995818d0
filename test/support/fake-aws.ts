import { roleSession, uniqueId, userKeys, type AwsPrincipalCredentials } from './aws/aws-principals';
import { startFakeEc2Metadata, type FakeEc2Metadata } from './aws/fake-ec2-metadata';
import { startFakeOutboundIssuer, type FakeOutboundIssuer } from './aws/fake-outbound-issuer';
import { startFakeSts, type FakeSts } from './aws/fake-sts';
import {
  callerIdentityToken,
  signCallerIdentityRequest,
  type CallerIdentitySigning,
  type SerializedSignedRequest,
} from './aws/sign-caller-identity';

export type { AwsPrincipalCredentials } from './aws/aws-principals';
export { fetchInstanceIdentity, type FakeInstance } from './aws/fake-ec2-metadata';
export type { WebIdentityTokenRequest } from './aws/fake-outbound-issuer';
export type { FakeStsMode } from './aws/fake-sts';
export { callerIdentityToken, type SerializedSignedRequest } from './aws/sign-caller-identity';

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions {
  /** The clock every token, signature and document is made at: the broker's `TestClock`. */
  clock: { now(): Date };
  /** The accounts, each with its own outbound identity federation issuer. Default one. */
  accounts?: string[];
  /** The regions the fake EC2 has certificates for. Default `us-east-1` and `eu-west-1`. */
  regions?: string[];
}

/** One AWS account of the fake: its issuer and the principals it can create. */
export interface FakeAwsAccount {
  id: string;
  orgId: string;
  /** `GetWebIdentityToken` for this account: issuer URL, keys, `mint`, request counts. */
  webIdentity: FakeOutboundIssuer;
  /** Credentials of a session of `roleName`, known to the fake STS. */
  assumeRole(roleName: string, sessionName?: string): AwsPrincipalCredentials;
  /** Access keys of an IAM user, known to the fake STS. */
  createUser(userName: string): AwsPrincipalCredentials;
  /** The role's unique ID (`AROA…`), as `GetCallerIdentity` reports it in `UserId`. */
  roleId(roleName: string): string;
}

/** What signing a `GetCallerIdentity` request may vary; the rest defaults to the fake's STS and clock. */
export type CallerIdentityOptions = Partial<Omit<CallerIdentitySigning, 'credentials'>> & {
  /** Changes the serialized request after signing (to tamper with it). */
  tamper?: (request: SerializedSignedRequest) => SerializedSignedRequest;
};

/** A fake AWS on loopback: STS, one issuer per account, and an EC2 instance metadata service. */
export interface FakeAws {
  sts: FakeSts;
  ec2: FakeEc2Metadata;
  accounts: FakeAwsAccount[];
  account(id: string): FakeAwsAccount;
  /**
   * A signed `GetCallerIdentity` request as an `aws4_request` subject token (URL-encoded JSON),
   * signed at the clock's now for the fake STS, bound to `audience` by `x-fedbroker-audience`.
   */
  callerIdentityToken(
    credentials: AwsPrincipalCredentials,
    audience: string | undefined,
    options?: CallerIdentityOptions,
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a fake AWS on 127.0.0.1 for the suites: a fake STS that checks SigV4 signatures, an IAM
 * outbound identity federation issuer per account, and an EC2 metadata service with its own region
 * certificates. Everything is made at `clock`'s time, never the wall clock.
 */
export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const { clock } = options;
  const sts = await startFakeSts(clock);
  const ec2 = await startFakeEc2Metadata(options.regions ?? ['us-east-1', 'eu-west-1'], clock);
  const accounts: FakeAwsAccount[] = [];
  for (const [index, id] of (options.accounts ?? ['111122223333']).entries()) {
    const orgId = 'o-a1b2c3d4e5';
    const webIdentity = await startFakeOutboundIssuer(
      { id, orgId, ouPath: `${orgId}/r-ab12/ou-ab12-1111111${index}/`, region: 'us-east-1' },
      clock,
    );
    const known = (principal: AwsPrincipalCredentials) => {
      sts.add(principal);
      return principal;
    };
    accounts.push({
      id,
      orgId,
      webIdentity,
      assumeRole: (roleName, sessionName = 'i-0b02d936754a6d637') =>
        known(roleSession(id, roleName, sessionName)),
      createUser: (userName) => known(userKeys(id, userName)),
      roleId: (roleName) => uniqueId('AROA', id, roleName),
    });
  }
  return {
    sts,
    ec2,
    accounts,
    account(id) {
      const account = accounts.find((a) => a.id === id);
      if (account === undefined) throw new Error(`the fake has no account ${id}`);
      return account;
    },
    async callerIdentityToken(
      credentials,
      audience,
      { tamper = (r: SerializedSignedRequest) => r, ...signing } = {},
    ) {
      const request = await signCallerIdentityRequest({
        credentials,
        endpoint: sts.endpoint,
        audience,
        signedAt: clock.now(),
        ...signing,
      });
      return callerIdentityToken(tamper(request));
    },
    async close() {
      await Promise.all([sts.close(), ec2.close(), ...accounts.map((a) => a.webIdentity.close())]);
    },
  };
}
