import { Controller, Get, Header, Inject } from '@nestjs/common';
import { GRANTS } from '@fedbroker/exchange';
import { ALLOWED_ALGORITHMS } from '@fedbroker/platforms';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';

/** RFC 8414 metadata (also served at the OpenID path) and the JWKS that verifies issued tokens. */
@Controller()
export class DiscoveryController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer(): Record<string, unknown> {
    return this.metadata();
  }

  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): Record<string, unknown> {
    return this.metadata();
  }

  @Get('jwks')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/jwk-set+json')
  jwks(): unknown {
    return this.runtime.signingKeys.jwks();
  }

  /** The algorithms of the keys in `/jwks`, the current key's first. */
  private signingAlgorithms(): string[] {
    const keys = this.runtime.signingKeys;
    const published = keys.jwks().keys.map((key) => key.alg ?? '');
    return [...new Set([keys.current().alg, ...published.filter((alg) => alg !== '')])];
  }

  private metadata(): Record<string, unknown> {
    const issuer = this.runtime.config.issuer;
    return {
      issuer,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      grant_types_supported: [...GRANTS.keys()],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: [...ALLOWED_ALGORITHMS],
      response_types_supported: [],
      scopes_supported: [],
      token_types_supported: [
        'urn:ietf:params:oauth:token-type:access_token',
        'urn:ietf:params:oauth:token-type:jwt',
      ],
      access_token_signing_alg_values_supported: this.signingAlgorithms(),
    };
  }
}
