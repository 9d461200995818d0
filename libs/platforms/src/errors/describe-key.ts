import type { JWSHeaderParameters } from 'jose';
import { showValue } from './show-value';

/** The key a JWS header asks for, as a refusal names it: `kid "k1" (alg ES256)`. */
export function describeKey(header: JWSHeaderParameters | undefined): string {
  const alg = header?.alg === undefined ? '' : ` (alg ${showValue(header.alg)})`;
  return header?.kid === undefined ? `no kid${alg}` : `kid ${showValue(header.kid)}${alg}`;
}
