import type { PresentedCredential } from '../credential/presented-credential';
import { VerificationError } from '../errors/verification-error';
import type { VerifiedCredential } from '../identity';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { locateByIssuer } from '../routing/locate-by-issuer';
import { issuerOfRoute, issuerRoute, kindRoute } from '../routing/route-keys';
import { settingsReader } from '../settings/settings-reader';
import {
  AWS4_REQUEST_TOKEN_TYPE,
  INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
  type AwsCredentialForm,
} from './aws-credential-forms';
import { AWS_IDENTITY_FIELDS, AWS_IDENTITY_PINS } from './aws-identity-fields';
import { awsRegistrationProblems } from './aws-registration-problems';
import { AWS_MAX_CREDENTIAL_AGE_SECONDS, awsSettingsSchema, type AwsSettings } from './aws-settings.schema';
import { CallerIdentityChecker } from './caller-identity/caller-identity-checker';
import { StsEndpoints } from './caller-identity/sts-endpoints';
import { verifyCallerIdentity } from './caller-identity/verify-caller-identity';
import { InstanceIdentityReader } from './instance-identity/instance-identity-reader';
import { allRegionCertificates } from './instance-identity/region-certificates';
import { verifyInstanceIdentity } from './instance-identity/verify-instance-identity';
import { verifyWebIdentityToken } from './web-identity/verify-web-identity-token';

/** What the AWS adapter needs from the broker: how to reach STS, and which STS endpoints to trust. */
export interface AwsAdapterOptions {
  /** Transport for the calls to STS. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Allowed STS origins; `{region}` matches any region. Default `DEFAULT_AWS_STS_ENDPOINTS`. */
  stsEndpoints?: readonly string[];
  /** Per call to STS. Default 5 s. */
  stsTimeoutMs?: number;
}

function refuseUnaccepted(settings: AwsSettings, form: AwsCredentialForm): void {
  if (!settings.credentials.includes(form)) {
    throw new VerificationError('issuer_not_trusted', `the platform does not accept ${form} credentials`);
  }
}

/**
 * AWS workloads, one account per platform, by three credentials: `GetWebIdentityToken` JWTs (IAM
 * outbound identity federation; found by their exact issuer), signed `GetCallerIdentity` requests
 * (Google's `aws4_request` token type; forwarded to STS, which says who signed them) and EC2 instance
 * identity documents (verified against AWS's region certificates). The last two are found by account.
 */
export class AwsAdapter implements PlatformAdapter<AwsSettings> {
  readonly kind = 'aws' as const;
  readonly settingsSchema = awsSettingsSchema;
  readonly settings = settingsReader(awsSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [
    AWS4_REQUEST_TOKEN_TYPE,
    INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
  ];
  readonly acceptsJwt = true;
  readonly identityFields = AWS_IDENTITY_FIELDS;
  readonly identityPins = AWS_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = AWS_MAX_CREDENTIAL_AGE_SECONDS;
  private readonly callerIdentities: CallerIdentityChecker;
  private readonly instanceIdentities = new InstanceIdentityReader();

  constructor(options: AwsAdapterOptions = {}) {
    this.callerIdentities = new CallerIdentityChecker(new StsEndpoints(options.stsEndpoints), {
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs: options.stsTimeoutMs ?? 5_000,
      maxResponseBytes: 64 * 1024,
    });
  }

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    const settings = awsSettingsSchema.safeParse(platform.settings);
    return settings.success ? awsRegistrationProblems(platform, settings.data, allowHttp) : [];
  }

  /** The exact issuer for web identity tokens; the account for the credentials STS or EC2 vouch for. */
  routeKeys(platform: PlatformRegistration): string[] {
    const settings = awsSettingsSchema.safeParse(platform.settings);
    if (!settings.success) return [];
    const { accountId, credentials } = settings.data;
    return [
      ...(credentials.includes('web-identity-token') ? [issuerRoute(platform.issuer)] : []),
      ...(credentials.some((form) => form !== 'web-identity-token') ? [kindRoute('aws', accountId)] : []),
    ];
  }

  routeField(route: string): string {
    return issuerOfRoute(route) === undefined ? 'settings.accountId' : 'issuer';
  }

  async locate(credential: PresentedCredential, ctx: VerifyContext): Promise<string[]> {
    switch (credential.type) {
      case AWS4_REQUEST_TOKEN_TYPE: {
        const { answer } = await this.callerIdentities.check(credential, ctx);
        return [kindRoute('aws', answer.principal.accountId)];
      }
      case INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE:
        return [kindRoute('aws', this.instanceIdentities.read(credential).document.accountId)];
      default:
        return locateByIssuer(credential);
    }
  }

  /** OIDC keys when the platform accepts web identity tokens, else the region certificates. */
  keySource(platform: PlatformConfig): KeySource {
    const settings = this.settings(platform);
    return settings.credentials.includes('web-identity-token')
      ? jwtKeySource(platform)
      : allRegionCertificates(settings);
  }

  async verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential> {
    const settings = this.settings(platform);
    switch (credential.type) {
      case AWS4_REQUEST_TOKEN_TYPE: {
        refuseUnaccepted(settings, 'caller-identity');
        const { request, answer } = await this.callerIdentities.check(credential, ctx);
        return verifyCallerIdentity(request, answer, platform, settings, ctx);
      }
      case INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE: {
        refuseUnaccepted(settings, 'instance-identity-document');
        const { credential: presented, document } = this.instanceIdentities.read(credential);
        return verifyInstanceIdentity(presented, document, platform, settings, ctx);
      }
      default:
        refuseUnaccepted(settings, 'web-identity-token');
        return verifyWebIdentityToken(credential, platform, settings, ctx);
    }
  }
}
