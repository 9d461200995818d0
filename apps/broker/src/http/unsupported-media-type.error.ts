/** An admin request body of another media type than the endpoint takes (415). */
export class UnsupportedMediaTypeError extends Error {
  constructor(readonly expected: string) {
    super(`the body must be ${expected}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}
