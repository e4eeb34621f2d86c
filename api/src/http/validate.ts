import type { Context } from 'hono';
import type { z } from 'zod';
import { VigieError } from '../errors';

function invalid(error: z.ZodError): VigieError {
  const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = details[0];
  return new VigieError('invalid_input', `Requête invalide${first ? ` : ${first.path || 'corps'} — ${first.message}` : ''}.`, 400, details);
}

/** Parses the JSON body with a zod schema; malformed JSON and schema violations become 400 errors. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new VigieError('invalid_json', 'Le corps de la requête n’est pas du JSON valide.', 400);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

export function parseParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.param());
  if (!parsed.success) throw new VigieError('not_found', 'Ressource introuvable.', 404);
  return parsed.data;
}
