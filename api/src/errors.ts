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

/** A readable message from anything thrown (libraries sometimes throw strings or plain objects). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'msg' in error) return String((error as { msg: unknown }).msg);
  return 'données illisibles ou corrompues';
}

/** The disk (or the quota) is full: VIGIE_DATA_DIR cannot take what is being written. */
export const diskFull = () =>
  new VigieError('disk_full', 'Disque plein : impossible d’écrire dans VIGIE_DATA_DIR. Libérez de la place, puis relancez l’analyse.', 507);

export const isDiskFull = (error: unknown) =>
  (error instanceof VigieError && error.code === 'disk_full') || ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');
