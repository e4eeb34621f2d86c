import type { CommuneCollection, CommuneFeature, Position } from '@vigie/api/contract';

export type LonLatBounds = [west: number, south: number, east: number, north: number];

function outerRings(feature: CommuneFeature): Position[][] {
  const g = feature.geometry;
  return g.type === 'Polygon' ? [g.coordinates[0] ?? []] : g.coordinates.map((polygon) => polygon[0] ?? []);
}

/** Lon/lat box of every commune, or null for an empty territory. */
export function communesBounds(communes: CommuneCollection): LonLatBounds | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const feature of communes.features) {
    for (const ring of outerRings(feature)) {
      for (const [lon, lat] of ring) {
        w = Math.min(w, lon); e = Math.max(e, lon);
        s = Math.min(s, lat); n = Math.max(n, lat);
      }
    }
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Area-weighted centroid of a ring (shoelace); falls back to the vertex mean for a degenerate ring. */
function ringCentroid(ring: Position[]): { point: Position; area: number } {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x0, y0] = ring[j]!;
    const [x1, y1] = ring[i]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross; cx += (x0 + x1) * cross; cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-15) {
    const mean = ring.reduce<Position>((acc, [x, y]) => [acc[0] + x / ring.length, acc[1] + y / ring.length], [0, 0]);
    return { point: mean, area: 0 };
  }
  return { point: [cx / (3 * a), cy / (3 * a)], area: Math.abs(a / 2) };
}

export interface CommuneLabel {
  insee: string;
  name: string;
  position: Position;
}

/** One label per commune, at the centroid of its largest part. */
export function communeLabels(communes: CommuneCollection): CommuneLabel[] {
  return communes.features.map((feature) => {
    const best = outerRings(feature)
      .map(ringCentroid)
      .reduce((a, b) => (b.area > a.area ? b : a), { point: [0, 0] as Position, area: -1 });
    return { insee: feature.properties.insee, name: feature.properties.name, position: best.point };
  });
}
