import type { Rng } from '../random';
import type { CommuneCell, Point } from './types';

/**
 * Four real neighbouring communes of the Vexin français (Val-d'Oise); INSEE
 * codes and names as in @etalab/decoupage-administratif. The generated
 * boundaries are not their real ones.
 */
export const DEMO_COMMUNES = [
  { insee: '95584', name: 'Santeuil' },
  { insee: '95483', name: 'Le Perchay' },
  { insee: '95625', name: 'Us' },
  { insee: '95002', name: 'Ableiges' },
] as const;

/** WGS84 point near which the square is placed (between Us and Santeuil). */
export const DEMO_ANCHOR_WGS84: Point = [1.965, 49.112];

/**
 * Four cells tiling the square [0, size]² exactly: four meandering arms from
 * a jittered centre to each side. Every cell is built from the same vertex
 * arrays, so shared borders are identical and there is no gap or overlap.
 */
export function communeCells(rng: Rng, size: number): CommuneCell[] {
  const j = (f: number) => rng.range(-f, f) * size;
  const centre: Point = [size / 2 + j(0.08), size / 2 + j(0.08)];
  const ends: Point[] = [
    [size / 2 + j(0.15), 0], // north
    [size, size / 2 + j(0.15)], // east
    [size / 2 + j(0.15), size], // south
    [0, size / 2 + j(0.15)], // west
  ];
  const arms = ends.map((end) => meander(rng, centre, end, size * 0.035));
  const [n, e, s, w] = arms as [Point[], Point[], Point[], Point[]];
  const back = (arm: Point[]) => [...arm].reverse();
  // Rings from the centre: arm out, along the square's side (corner), arm back.
  const nw: Point[] = [...w, [0, 0], ...back(n).slice(0, -1)];
  const ne: Point[] = [...n, [size, 0], ...back(e).slice(0, -1)];
  const se: Point[] = [...e, [size, size], ...back(s).slice(0, -1)];
  const sw: Point[] = [...s, [0, size], ...back(w).slice(0, -1)];
  return [nw, ne, sw, se].map((ring, i) => ({ ...DEMO_COMMUNES[i]!, ring }));
}

function meander(rng: Rng, from: Point, to: Point, amplitude: number): Point[] {
  const steps = 12;
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const len = Math.hypot(dx, dy);
  const nx = -dy / len;
  const ny = dx / len;
  const out: Point[] = [from];
  let offset = 0;
  for (let i = 1; i < steps; i++) {
    offset = offset * 0.6 + rng.range(-amplitude, amplitude);
    const t = i / steps;
    const taper = Math.sin(Math.PI * t);
    out.push([from[0] + dx * t + nx * offset * taper, from[1] + dy * t + ny * offset * taper]);
  }
  out.push(to);
  return out;
}
