import { simplify } from '@turf/turf';
import type { Position } from '@vigie/api/geo';

/** Steps along pixel edges: east, south, west, north (image rows go down). */
const STEP: readonly Position[] = [[1, 0], [0, 1], [-1, 0], [0, -1]];

/**
 * The outer boundary of a 4-connected region, as a closed ring of pixel-corner coordinates (image
 * space: x right, y down), walked with the region on the right. `first` is the region's first pixel
 * in raster order, `inside(x, y)` tells whether a pixel belongs to the region (false off the grid).
 * Holes are not traced: areas come from pixel counts, the outline is for display and review.
 */
export function traceOuterBoundary(first: number, width: number, inside: (x: number, y: number) => boolean): Position[] {
  const x0 = first % width, y0 = Math.floor(first / width);
  const ring: Position[] = [[x0, y0]];
  let x = x0, y = y0, d = 0;
  for (let guard = 0; guard < 50_000_000; guard++) {
    x += STEP[d]![0];
    y += STEP[d]![1];
    // the two pixels ahead of vertex (x, y), left and right of the heading
    let left: boolean, right: boolean;
    if (d === 0) { left = inside(x, y - 1); right = inside(x, y); }
    else if (d === 1) { left = inside(x, y); right = inside(x - 1, y); }
    else if (d === 2) { left = inside(x - 1, y); right = inside(x - 1, y - 1); }
    else { left = inside(x - 1, y - 1); right = inside(x, y - 1); }
    const next = right ? (left ? (d + 3) % 4 : d) : (d + 1) % 4;
    if (x === x0 && y === y0 && next === 0) break;
    if (next !== d) ring.push([x, y]);
    d = next;
  }
  ring.push([x0, y0]);
  return ring;
}

/** Douglas–Peucker in pixel units (turf's planar simplify), keeping a valid ring. */
export function simplifyRing(ring: Position[], tolerancePx: number): Position[] {
  if (ring.length <= 5) return ring;
  const simplified = simplify({ type: 'Polygon', coordinates: [ring] }, { tolerance: tolerancePx, highQuality: false }).coordinates[0] as Position[];
  return simplified.length >= 4 ? simplified : ring;
}
