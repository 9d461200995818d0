/** A signed `GetCallerIdentity` request that passed the broker's own checks, ready to forward. */
export interface SignedCallerIdentityRequest {
  /** The allow-listed STS URL, as presented. */
  url: string;
  /** The headers to forward, names lowercased; `host` and `content-length` are left to the transport. */
  headers: [name: string, value: string][];
  body: string | undefined;
  /** The signed `x-fedbroker-audience` header. */
  audience: string;
  /** `X-Amz-Date`, in seconds since the epoch. */
  signedAt: number;
  /** The credential scope's region: where the request was signed for. */
  region: string;
  /** The SigV4 signature (hex): what tells one signed request from another. */
  signature: string;
}
