import { ExchangeError } from '../exchange.error';
import {
  listParam,
  optionalParam,
  requiredParam,
  scopeParam,
  tokenParam,
  type TokenForm,
} from '../token-form';
import { TOKEN_TYPE, type Grant, type GrantRequest } from './grant';

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * `client_credentials` authenticated by an RFC 7523 §2.2 client assertion. The assertion's `iss` is
 * the platform, not the client, so `iss != sub` and a missing `jti` are accepted.
 */
export const clientCredentialsGrant: Grant = {
  grantType: 'client_credentials',
  kind: 'client-credentials',
  authenticatesClient: true,
  read(form: TokenForm): GrantRequest {
    if (requiredParam(form, 'client_assertion_type') !== JWT_BEARER_ASSERTION) {
      throw new ExchangeError('malformed_request', 'the client_assertion_type is not supported');
    }
    return {
      kind: this.kind,
      grantType: this.grantType,
      credential: tokenParam(form, 'client_assertion'),
      credentialType: TOKEN_TYPE.jwt,
      targets: [...listParam(form, 'audience'), ...listParam(form, 'resource')],
      scopes: scopeParam(form),
      clientId: optionalParam(form, 'client_id'),
      authenticatesClient: this.authenticatesClient,
      issuedTokenType: TOKEN_TYPE.accessToken,
    };
  },
};
