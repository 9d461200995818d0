/**
 * A request that arrived on the listener that does not serve its path (operator endpoints on the
 * main listener while an admin listener runs, anything else on the admin listener): a plain 404.
 */
export class NotServedHereError extends Error {
  constructor() {
    super('not found');
    this.name = 'NotServedHereError';
  }
}
