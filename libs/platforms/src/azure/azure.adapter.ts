import type { PresentedCredential } from '../credential/presented-credential';
import { VerificationError } from '../errors/verification-error';
import type { VerifiedCredential } from '../identity';
import type { KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { settingsReader } from '../settings/settings-reader';
import { recentUnixTimeNonce, type AttestedNonceCheck } from './attested/attested-nonce';
import { verifyAttestedDocument } from './attested/verify-attested-document';
import { AZURE_IDENTITY_FIELDS, AZURE_IDENTITY_PINS } from './azure-identity-fields';
import { azureKeySource } from './azure-key-source';
import { azureRegistrationProblems } from './azure-registration-problems';
import { azureRouteField, azureRouteKeys, locateAzureCredential } from './azure-routes';
import {
  azureSettingsSchema,
  DEFAULT_AZURE_MAX_TOKEN_LIFETIME_SECONDS,
  type AzureSettings,
} from './azure-settings.schema';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure-token-types';
import { verifyEntraToken } from './verify-entra-token';

/** How an {@link AzureAdapter} decides attested documents' nonces. */
export interface AzureAdapterOptions {
  /** Default {@link recentUnixTimeNonce}; a broker that hands out challenges checks its own. */
  attestedNonce?: AttestedNonceCheck;
}

/**
 * Azure workloads: Entra ID access tokens (managed identities' tokens from IMDS, v1 or v2 issuer
 * of one tenant, keys from Microsoft's common key set) and IMDS attested documents (PKCS #7 signed
 * by IMDS, presented with their own token type). A platform is one tenant; it routes by tenant,
 * and its attested documents by subscription.
 */
export class AzureAdapter implements PlatformAdapter<AzureSettings> {
  readonly kind = 'azure' as const;
  readonly settingsSchema = azureSettingsSchema;
  readonly settings = settingsReader(azureSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE];
  readonly acceptsJwt = true;
  readonly identityFields = AZURE_IDENTITY_FIELDS;
  readonly identityPins = AZURE_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_AZURE_MAX_TOKEN_LIFETIME_SECONDS;
  private readonly attestedNonce: AttestedNonceCheck;

  constructor(options: AzureAdapterOptions = {}) {
    this.attestedNonce = options.attestedNonce ?? recentUnixTimeNonce;
  }

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return azureRegistrationProblems(platform, allowHttp);
  }

  routeKeys(platform: PlatformRegistration): string[] {
    return azureRouteKeys(platform);
  }

  routeField(route: string): string {
    return azureRouteField(route);
  }

  locate(credential: PresentedCredential): string[] {
    return locateAzureCredential(credential);
  }

  keySource(platform: PlatformConfig): KeySource {
    return azureKeySource(platform);
  }

  verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential> {
    const settings = this.settings(platform);
    if (!platform.enabled) {
      return Promise.reject(new VerificationError('issuer_not_trusted', 'the platform is disabled'));
    }
    if (credential.type !== AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE) {
      const cap = settings.maxTokenLifetimeSeconds ?? this.defaultMaxCredentialAgeSeconds;
      return verifyEntraToken(credential, platform, settings.tenantId, cap, ctx);
    }
    if (settings.attestedDocuments === undefined) {
      return Promise.reject(
        new VerificationError('issuer_not_trusted', 'the platform does not accept attested documents'),
      );
    }
    return verifyAttestedDocument(credential, platform, settings.attestedDocuments, ctx, this.attestedNonce);
  }
}

/** The Azure adapter instance listed in `defaultAdapters`. */
export const azureAdapter = new AzureAdapter();
