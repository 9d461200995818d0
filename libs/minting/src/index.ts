export {
  AccessTokenMinter,
  type MintInput,
  type MintedToken,
  type SigningToken,
} from './access-token.minter';
export { wrapPrivateKey, unwrapPrivateKey } from './key-wrap';
export { MintingError, type MintingErrorCode } from './minting.error';
export { SIGNING_ALGORITHMS, isSigningAlgorithm } from './signing-algorithms';
export {
  SigningKeyStore,
  type DueRotation,
  type SigningKeyStoreOptions,
  type WithinRewrap,
  type WithinRotation,
} from './signing-key.store';
export type {
  CurrentSigningKey,
  PublicJwks,
  RewrapReport,
  RotatedKey,
  RotateOptions,
  RotationReason,
  SigningAlgorithm,
  SigningKeyInfo,
  SigningKeyStatus,
} from './signing-key.types';
