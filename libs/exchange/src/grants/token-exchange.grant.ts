import { ExchangeError } from '../exchange.error';
import {
  listParam,
  optionalParam,
  scopeParam,
  tokenParam,
  requiredParam,
  type TokenForm,
} from '../token-form';
import { TOKEN_TYPE, type Grant, type GrantRequest } from './grant';

const ISSUABLE = new Set<string>([TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt]);

/** RFC 8693 token exchange. */
export const tokenExchangeGrant: Grant = {
  grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
  kind: 'token-exchange',
  authenticatesClient: false,
  read(form: TokenForm, subjectTokenTypes: ReadonlySet<string>): GrantRequest {
    const credential = tokenParam(form, 'subject_token');
    const credentialType = tokenType(
      requiredParam(form, 'subject_token_type'),
      subjectTokenTypes,
      'subject_token_type',
    );
    const actorToken = optionalParam(form, 'actor_token');
    const actorType = optionalParam(form, 'actor_token_type');
    if ((actorToken === undefined) !== (actorType === undefined)) {
      throw new ExchangeError('malformed_request', 'actor_token and actor_token_type go together');
    }
    const issuedTokenType = optionalParam(form, 'requested_token_type') ?? TOKEN_TYPE.accessToken;
    if (!ISSUABLE.has(issuedTokenType)) {
      throw new ExchangeError('unsupported_token_type', 'the requested_token_type cannot be issued');
    }
    return {
      kind: this.kind,
      grantType: this.grantType,
      credential,
      credentialType,
      actor:
        actorToken === undefined || actorType === undefined
          ? undefined
          : {
              token: tokenParam(form, 'actor_token'),
              type: tokenType(actorType, subjectTokenTypes, 'actor_token_type'),
            },
      targets: [...listParam(form, 'audience'), ...listParam(form, 'resource')],
      scopes: scopeParam(form),
      clientId: optionalParam(form, 'client_id'),
      authenticatesClient: this.authenticatesClient,
      issuedTokenType,
    };
  },
};

function tokenType(value: string, supported: ReadonlySet<string>, parameter: string): string {
  if (!supported.has(value))
    throw new ExchangeError('unsupported_token_type', `the ${parameter} is not supported`);
  return value;
}
