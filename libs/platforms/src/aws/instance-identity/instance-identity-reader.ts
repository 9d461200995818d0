import type { PresentedCredential } from '../../credential/presented-credential';
import { decodeInstanceIdentity } from './decode-instance-identity';
import type { InstanceIdentityCredential } from './instance-identity-credential';
import { readInstanceDocument, type InstanceDocument } from './read-instance-document';

/** A presented instance identity credential, decoded, and its document, parsed (nothing verified). */
export interface ReadInstanceIdentity {
  credential: InstanceIdentityCredential;
  document: InstanceDocument;
}

/** Decodes an instance identity credential once per presented credential, for `locate` and `verify`. */
export class InstanceIdentityReader {
  private readonly decoded = new WeakMap<PresentedCredential, ReadInstanceIdentity>();

  /** @throws {VerificationError} `malformed`, `missing_claim` or `claim_invalid`. */
  read(presented: PresentedCredential): ReadInstanceIdentity {
    let result = this.decoded.get(presented);
    if (result === undefined) {
      const credential = decodeInstanceIdentity(presented.token);
      result = { credential, document: readInstanceDocument(credential.document) };
      this.decoded.set(presented, result);
    }
    return result;
  }
}
