/**
 * An error meant for the user: a stable machine `code`, a clear `message`, and the HTTP status it maps to.
 * Throw it anywhere; the HTTP error middleware and the CLI both render it.
 */
export class VigieError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'VigieError';
  }
}

export const notFound = (what: string) => new VigieError('not_found', `${what} introuvable.`, 404);
export const invalidInput = (message: string, details?: unknown) =>
  new VigieError('invalid_input', message, 400, details);
