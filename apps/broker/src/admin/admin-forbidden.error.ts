/** A known admin credential whose role does not allow the request (403). */
export class AdminForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminForbiddenError';
  }
}
