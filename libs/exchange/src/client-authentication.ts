import { showValue } from '@fedbroker/platforms';
import { ExchangeError } from './exchange.error';
import type { Grant } from './grants';
import { optionalParam, type TokenForm } from './token-form';

const HEADER = 'the Authorization header';
const ONLY =
  'the broker authenticates a client only by a client_assertion with grant_type client_credentials';

/**
 * Refuses the client authentication the broker does not support rather than ignore it: HTTP Basic
 * (RFC 6749 §2.3.1), a `client_secret`, a client assertion with a grant that reads none, and more
 * than one method at once (RFC 6749 §2.3). `grant` is undefined when the request names none the
 * broker serves. No client secret is ever provisioned, so none is checked, nor repeated. An
 * `Authorization` header of another scheme authenticates no client at a token endpoint, and is left
 * alone (a client library may send its bearer token everywhere).
 *
 * @param authorizationScheme the scheme of the request's `Authorization` header, when it has one.
 * @throws {ExchangeError} `unsupported_client_authentication`, RFC 6749 §5.2 `invalid_client`.
 */
export function refuseUnsupportedClientAuthentication(
  form: TokenForm,
  grant: Grant | undefined,
  authorizationScheme: string | undefined,
): void {
  const assertion =
    optionalParam(form, 'client_assertion') !== undefined ||
    optionalParam(form, 'client_assertion_type') !== undefined;
  const methods = [
    ...(authorizationScheme?.toLowerCase() === 'basic' ? [HEADER] : []),
    ...(optionalParam(form, 'client_secret') === undefined ? [] : ['client_secret']),
    ...(assertion ? ['client_assertion'] : []),
  ];
  const scheme = authorizationScheme ? ` (${authorizationScheme})` : '';
  const shown = (method: string) => (method === HEADER ? `${HEADER}${scheme}` : method);
  if (methods.length > 1) {
    throw new ExchangeError(
      'unsupported_client_authentication',
      `more than one client authentication method (${methods.join(', ')}) is not allowed; ${ONLY}`,
      { reason: `the client authenticated by ${methods.map(shown).join(' and ')} at once` },
    );
  }
  const [method] = methods;
  if (method === undefined) return;
  if (method === 'client_assertion') {
    if (grant === undefined || grant.authenticatesClient) return;
    throw new ExchangeError(
      'unsupported_client_authentication',
      `client authentication by client_assertion is not supported with this grant_type; ${ONLY}`,
      {
        reason: `a client assertion with grant_type ${showValue(grant.grantType)}, which authenticates no client`,
      },
    );
  }
  throw new ExchangeError(
    'unsupported_client_authentication',
    `client authentication by ${shown(method)} is not supported; ${ONLY}`,
    { reason: `client authentication by ${shown(method)}, which the broker does not support` },
  );
}
