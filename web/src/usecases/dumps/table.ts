import { DUMP_STATUSES, type DetectionFeature, type DetectionProperties, type DumpStatus, type Position } from '@vigie/api/contract';

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies. */
export const STATUS_COLOURS: Record<DumpStatus, [number, number, number]> = {
  a_verifier: [230, 159, 0],
  confirme: [213, 94, 0],
  faux_positif: [120, 120, 120],
  signale: [204, 121, 167],
  resorbe: [0, 158, 115],
};

/**
 * The loaded detections as columns: typed arrays the GPU takes as they are (deck.gl binary attributes),
 * plus the rows the review queue and the tooltips read. Index i is the same detection everywhere; the
 * order is the API's (best score first), which is the review queue's order.
 */
export interface DetectionTable {
  length: number;
  rows: readonly DetectionProperties[];
  /** lon, lat */
  positions: Float64Array;
  /** radius of a disc of the detection's area, m */
  radii: Float32Array;
  /** score, the heat map's weight */
  weights: Float32Array;
  /** RGBA of the status */
  colors: Uint8Array;
  /** footprint ring of detection i: vertices footprintStarts[i] .. footprintStarts[i + 1] */
  footprintStarts: Uint32Array;
  footprintPositions: Float64Array;
  /** RGBA per footprint vertex (binary polygon and path layers take colours per vertex) */
  footprintColors: Uint8Array;
}

export const EMPTY_TABLE: DetectionTable = detectionTable([]);

/** The outer ring of a footprint; a point becomes a degenerate ring so every detection has one. */
function outerRing(feature: DetectionFeature): Position[] {
  const g = feature.geometry;
  if (g.type === 'Polygon') return g.coordinates[0] ?? [];
  if (g.type === 'MultiPolygon') return g.coordinates[0]?.[0] ?? [];
  return [g.coordinates, g.coordinates, g.coordinates, g.coordinates];
}

/** A table for these rows with zeroed columns, `vertices` footprint vertices in all. */
function allocate(rows: readonly DetectionProperties[], vertices: number): DetectionTable {
  const n = rows.length;
  return {
    length: n,
    rows,
    positions: new Float64Array(n * 2),
    radii: new Float32Array(n),
    weights: new Float32Array(n),
    colors: new Uint8Array(n * 4),
    footprintStarts: new Uint32Array(n + 1),
    footprintPositions: new Float64Array(vertices * 2),
    footprintColors: new Uint8Array(vertices * 4),
  };
}

export function detectionTable(features: readonly DetectionFeature[]): DetectionTable {
  const n = features.length;
  const rings = features.map(outerRing);
  const vertices = rings.reduce((sum, ring) => sum + ring.length, 0);
  const table = allocate(features.map((f) => f.properties), vertices);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const p = features[i]!.properties;
    table.positions[i * 2] = p.lon;
    table.positions[i * 2 + 1] = p.lat;
    table.radii[i] = Math.sqrt(Math.max(p.areaM2, 0) / Math.PI);
    table.weights[i] = p.score;
    table.footprintStarts[i] = v;
    for (const [lon, lat] of rings[i]!) {
      table.footprintPositions[v * 2] = lon;
      table.footprintPositions[v * 2 + 1] = lat;
      v++;
    }
  }
  table.footprintStarts[n] = v;
  for (let i = 0; i < n; i++) paint(table, i, table.rows[i]!.status);
  return table;
}

function paint(table: DetectionTable, i: number, status: DumpStatus) {
  const rgba = [...STATUS_COLOURS[status], 220];
  table.colors.set(rgba, i * 4);
  for (let v = table.footprintStarts[i]!; v < table.footprintStarts[i + 1]!; v++) table.footprintColors.set(rgba, v * 4);
}

/**
 * The table after one detection changed (a review): a new table sharing the geometry, with fresh colour
 * columns so that deck.gl sees new data and uploads only what it must.
 */
export function withDetection(table: DetectionTable, index: number, row: DetectionProperties): DetectionTable {
  const rows = table.rows.slice();
  rows[index] = row;
  const next: DetectionTable = { ...table, rows, colors: table.colors.slice(), footprintColors: table.footprintColors.slice() };
  paint(next, index, row.status);
  return next;
}

/** How many detections have each status. */
export function statusCounts(table: DetectionTable): Record<DumpStatus, number> {
  const counts = Object.fromEntries(DUMP_STATUSES.map((s) => [s, 0])) as Record<DumpStatus, number>;
  for (const row of table.rows) counts[row.status]++;
  return counts;
}

export const indexOfId = (table: DetectionTable, id: number) => table.rows.findIndex((r) => r.id === id);

/** A part of a table, with the index in the full table of each of its detections. */
export type TablePart = DetectionTable & { indices: Uint32Array };

const within = (positions: Float64Array, i: number, [west, south, east, north]: readonly number[]) => {
  const lon = positions[i * 2]!, lat = positions[i * 2 + 1]!;
  return lon >= west! && lon <= east! && lat >= south! && lat <= north!;
};

/** How many of the positions (lon, lat pairs) lie inside `bounds` (west, south, east, north). */
export function countWithin(positions: Float64Array, bounds: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < positions.length / 2; i++) if (within(positions, i, bounds)) count++;
  return count;
}

/** The detections whose position lies inside `bounds` (west, south, east, north), as a table of their own. */
export function tableWithin(table: DetectionTable, bounds: readonly number[]): TablePart {
  const inside: number[] = [];
  let vertices = 0;
  for (let i = 0; i < table.length; i++) {
    if (!within(table.positions, i, bounds)) continue;
    inside.push(i);
    vertices += table.footprintStarts[i + 1]! - table.footprintStarts[i]!;
  }
  const part: TablePart = { ...allocate(inside.map((i) => table.rows[i]!), vertices), indices: Uint32Array.from(inside) };
  let v = 0;
  inside.forEach((i, k) => {
    part.positions.set(table.positions.subarray(i * 2, i * 2 + 2), k * 2);
    part.radii[k] = table.radii[i]!;
    part.weights[k] = table.weights[i]!;
    part.colors.set(table.colors.subarray(i * 4, i * 4 + 4), k * 4);
    const from = table.footprintStarts[i]!, to = table.footprintStarts[i + 1]!;
    part.footprintStarts[k] = v;
    part.footprintPositions.set(table.footprintPositions.subarray(from * 2, to * 2), v * 2);
    part.footprintColors.set(table.footprintColors.subarray(from * 4, to * 4), v * 4);
    v += to - from;
  });
  part.footprintStarts[part.length] = v;
  return part;
}
