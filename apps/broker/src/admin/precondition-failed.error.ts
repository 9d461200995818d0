/** A write whose `If-Match` does not hold (412, RFC 9110 §13.1.1). */
export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailedError';
  }
}
