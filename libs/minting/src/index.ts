export { AccessTokenMinter, type MintInput, type MintedToken } from './access-token.minter';
export { wrapPrivateKey, unwrapPrivateKey } from './key-wrap';
export { MintingError, type MintingErrorCode } from './minting.error';
export { SigningKeyStore, type SigningKeyStoreOptions } from './signing-key.store';
export type {
  CurrentSigningKey,
  PublicJwks,
  RotateOptions,
  SigningAlgorithm,
  SigningKeyInfo,
  SigningKeyStatus,
} from './signing-key.types';
