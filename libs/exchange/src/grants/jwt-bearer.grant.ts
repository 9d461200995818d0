import { listParam, optionalParam, scopeParam, tokenParam, type TokenForm } from '../token-form';
import { TOKEN_TYPE, type Grant, type GrantRequest } from './grant';

/** RFC 7523 §2.1: a JWT as an authorization grant. */
export const jwtBearerGrant: Grant = {
  grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  kind: 'jwt-bearer',
  authenticatesClient: false,
  read(form: TokenForm): GrantRequest {
    return {
      kind: this.kind,
      grantType: this.grantType,
      credential: tokenParam(form, 'assertion'),
      credentialType: TOKEN_TYPE.jwt,
      targets: [...listParam(form, 'audience'), ...listParam(form, 'resource')],
      scopes: scopeParam(form),
      clientId: optionalParam(form, 'client_id'),
      authenticatesClient: this.authenticatesClient,
      issuedTokenType: TOKEN_TYPE.accessToken,
    };
  },
};
