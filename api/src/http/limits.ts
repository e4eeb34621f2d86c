import { z } from 'zod';
import { VigieError } from '../errors';

/**
 * Limits on what one request may ask for, shared by every route: a page of a list, a bbox query,
 * a GeoJSON geometry in a body. Use the zod schemas at the edge (parseQuery / parseBody).
 */
export const LIMITS = {
  /** rows per page of any list */
  maxPageSize: 500,
  defaultPageSize: 50,
  /** vertices in one GeoJSON geometry sent by a client */
  maxGeometryVertices: 50_000,
  /** width and height of a bbox query, in degrees (~1° ≈ 75–110 km in metropolitan France) */
  maxBboxSpanDeg: 2,
  /** pixels of an image accepted for decoding (sharp's limitInputPixels): 100 Mpx */
  maxImagePixels: 100_000_000,
} as const;

/** `?limit=&offset=` with a default and a ceiling; a limit above the ceiling is refused, not silently cut. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type Page = z.infer<typeof PageQuery>;

export type Bbox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** Parses "minLon,minLat,maxLon,maxLat" (WGS84), refusing inverted, out-of-range or too large boxes. */
export function parseBbox(text: string, maxSpanDeg: number = LIMITS.maxBboxSpanDeg): Bbox {
  const parts = text.split(',');
  const numbers = parts.map((p) => (/^\s*-?\d+(\.\d+)?\s*$/.test(p) ? Number(p) : NaN));
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) {
    throw new VigieError('invalid_bbox', 'bbox attendu : minLon,minLat,maxLon,maxLat (degrés WGS84).', 400);
  }
  const [minLon, minLat, maxLon, maxLat] = numbers as Bbox;
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90 || minLon >= maxLon || minLat >= maxLat) {
    throw new VigieError('invalid_bbox', 'bbox hors limites ou inversée (min doit précéder max).', 400);
  }
  if (maxLon - minLon > maxSpanDeg || maxLat - minLat > maxSpanDeg) {
    throw new VigieError('bbox_too_large', `bbox trop étendue (au plus ${maxSpanDeg}° de côté) ; zoomez ou paginez.`, 400);
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** A zod field for a `bbox` query parameter, with the same rules as parseBbox. */
export const BboxParam = z.string().max(200).transform((text, ctx) => {
  try {
    return parseBbox(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'bbox invalide' });
    return z.NEVER;
  }
});

/** Counts positions in a GeoJSON geometry (or GeometryCollection), without trusting its shape. */
export function countVertices(geometry: unknown): number {
  if (!geometry || typeof geometry !== 'object') return 0;
  const g = geometry as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (g.type === 'GeometryCollection' && Array.isArray(g.geometries)) {
    return g.geometries.reduce((sum: number, part) => sum + countVertices(part), 0);
  }
  let count = 0;
  const stack: unknown[] = [g.coordinates];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!Array.isArray(node)) continue;
    if (node.length > 0 && typeof node[0] === 'number') count += 1;
    else for (const child of node) stack.push(child);
  }
  return count;
}

export function assertVertexLimit(geometry: unknown, max: number = LIMITS.maxGeometryVertices): void {
  const count = countVertices(geometry);
  if (count > max) {
    throw new VigieError('geometry_too_complex', `Géométrie trop détaillée : ${count} sommets (au plus ${max}) ; simplifiez-la.`, 400);
  }
}

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const Ring = z.array(Position).min(4);

/** A WGS84 Polygon or MultiPolygon sent by a client, with closed rings and at most `maxVertices` positions. */
export function polygonGeometry(maxVertices: number = LIMITS.maxGeometryVertices) {
  const closed = (ring: number[][]) => ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1];
  return z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1).max(1000) }),
      z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1).max(1000)).min(1).max(10_000) }),
    ])
    .superRefine((geometry, ctx) => {
      const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
      if (!rings.every(closed)) ctx.addIssue({ code: 'custom', message: 'anneau non fermé (le dernier point doit répéter le premier)' });
      const count = countVertices(geometry);
      if (count > maxVertices) ctx.addIssue({ code: 'custom', message: `géométrie trop détaillée : ${count} sommets (au plus ${maxVertices})` });
    });
}
