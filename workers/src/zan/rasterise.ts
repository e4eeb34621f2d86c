import type { MultiPolygon, Polygon } from 'geojson';
import { type GeoTransform, type Position, mapToPixel, toLambert93 } from '@vigie/api/geo';

export interface LabelledPolygon {
  /** WGS84 */
  geometry: Polygon | MultiPolygon;
}

/**
 * Burns WGS84 polygons into a grid (Lambert-93 geotransform): a pixel belongs to a polygon when its centre
 * lies inside (even-odd over the polygon's rings, so holes stay out). Label k + 1 for polygons[k], 0 for none;
 * where polygons overlap the later one wins.
 */
export function rasterisePolygons(polygons: readonly LabelledPolygon[], gt: GeoTransform, width: number, height: number): Uint16Array {
  if (polygons.length > 65_534) throw new Error('trop de polygones à rasteriser');
  const labels = new Uint16Array(width * height);
  polygons.forEach((polygon, index) => {
    const parts = polygon.geometry.type === 'Polygon' ? [polygon.geometry.coordinates] : polygon.geometry.coordinates;
    for (const rings of parts) {
      const pixelRings = rings.map((ring) => ring.map((p) => mapToPixel(gt, ...toLambert93(p as Position))));
      fillRings(pixelRings, labels, width, height, index + 1);
    }
  });
  return labels;
}

/** Scanline fill at pixel centres of rings given in pixel coordinates. */
export function fillRings(rings: readonly Position[][], labels: Uint16Array | Uint8Array, width: number, height: number, label: number): void {
  let minY = Infinity, maxY = -Infinity;
  for (const ring of rings) for (const [, y] of ring) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  const row0 = Math.max(0, Math.floor(minY)), row1 = Math.min(height - 1, Math.ceil(maxY));
  const crossings: number[] = [];
  for (let row = row0; row <= row1; row++) {
    const y = row + 0.5;
    crossings.length = 0;
    for (const ring of rings) {
      for (let k = 0; k + 1 < ring.length; k++) {
        const [x1, y1] = ring[k]!, [x2, y2] = ring[k + 1]!;
        if ((y1 <= y) !== (y2 <= y)) crossings.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1]! - 0.5) - 1);
      const offset = row * width;
      for (let col = from; col <= to; col++) labels[offset + col] = label;
    }
  }
}
