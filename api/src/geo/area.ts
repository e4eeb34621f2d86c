import type { Bounds } from './geotransform';
import { type Position, toLambert93 } from './projection';

export type PolygonGeometry =
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

/** Shoelace area of a ring in its own (projected) units, unsigned. */
export function ringArea(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  }
  return Math.abs(sum) / 2;
}

const polygonsOf = (g: PolygonGeometry) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);

/** Area in m² of a WGS84 polygon, computed in Lambert-93 (never in degrees); holes are subtracted. */
export function areaM2(geometry: PolygonGeometry): number {
  let total = 0;
  for (const [outer, ...holes] of polygonsOf(geometry)) {
    if (!outer) continue;
    total += ringArea(outer.map(toLambert93));
    for (const hole of holes) total -= ringArea(hole.map(toLambert93));
  }
  return total;
}

export function geometryBounds(geometry: PolygonGeometry): Bounds {
  const b: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      for (const [x, y] of ring) {
        b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y);
        b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
      }
    }
  }
  return b;
}
