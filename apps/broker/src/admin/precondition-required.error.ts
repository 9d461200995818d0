/** A write to a versioned resource sent without `If-Match` (428, RFC 6585 §3). */
export class PreconditionRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionRequiredError';
  }
}
