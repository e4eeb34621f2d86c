import { hash01, hash32 } from '../random';
import { broadNoise, fineNoise, sampleNoiseSmooth } from '../noise';
import { clampByte } from './pixels';

/** What the ground texture needs of a frame: the pinhole camera and where the roadway runs, in metres. */
export interface GroundView {
  f: number;
  height: number;
  horizon: number;
  cx: number;
  roadX: number;
  roadHalf: number;
  /** setts on the church square, slabs along the high street's pavements */
  paving: 'setts' | 'slabs';
  seed: number;
}

/**
 * Textures the sky-and-ground backdrop in place, pixel by pixel in ground coordinates: granite setts or
 * concrete slabs off the road, grained asphalt with darker wheel tracks on it, stains, worn patches and
 * manhole covers. Every pattern fades into its mean as a pixel covers more ground (fine near, dense far),
 * so the far square does not shimmer. Placement is hashed on ground cells: nothing moves with the seed's stream.
 */
export function paveGround(rgb: Buffer, width: number, height: number, g: GroundView): void {
  for (let py = Math.ceil(g.horizon + 1); py < height; py++) {
    const z = Math.min(250, (g.f * g.height) / (py + 0.5 - g.horizon));
    const footprint = z / g.f; // metres of ground per pixel
    for (let px = 0; px < width; px++) {
      const X = ((px + 0.5 - g.cx) * z) / g.f;
      const onRoad = Math.abs(X - g.roadX) < g.roadHalf;
      let k = onRoad ? asphalt(X - g.roadX, z, footprint, g) : g.paving === 'setts' ? setts(X, z, footprint, g.seed) : slabs(X, z, footprint, g.seed);
      k *= grime(X, z, g.seed);
      k *= manhole(X, z, footprint, g, onRoad);
      const i = (py * width + px) * 3;
      for (let c = 0; c < 3; c++) rgb[i + c] = clampByte(rgb[i + c]! * k);
    }
  }
}

/** How much of a pattern of this period (m) survives at this footprint: 1 well resolved, 0 below three pixels. */
const detail = (period: number, footprint: number) => Math.max(0, Math.min(1, (period / footprint - 3) / 6));

/** Granite setts in staggered rows, each stone its own shade, slightly domed, in sandy joints. */
function setts(X: number, z: number, fp: number, seed: number): number {
  const size = 0.14;
  const row = Math.floor(z / size);
  const u = X / size + (row & 1) * 0.5;
  const col = Math.floor(u);
  const fu = u - col, fv = z / size - row;
  const stone = 0.93 + 0.14 * hash01(seed, col, row, 21);
  const edge = Math.min(fu, 1 - fu, fv, 1 - fv); // 0 at a joint, 0.5 at the stone's centre
  const joint = edge < 0.09 ? 0.82 : 1 - 0.05 * (1 - Math.min(1, edge / 0.3)); // the dome darkens towards the joints
  const mean = 0.97;
  return mean + detail(size, fp) * (stone * joint - mean);
}

/** Concrete slabs (60 × 40 cm) in straight courses, each cast a little differently. */
function slabs(X: number, z: number, fp: number, seed: number): number {
  const u = X / 0.6, v = z / 0.4;
  const col = Math.floor(u), row = Math.floor(v);
  const du = Math.min(u - col, 1 - u + col) * 0.6, dv = Math.min(v - row, 1 - v + row) * 0.4; // metres to the joints
  const slab = 0.96 + 0.08 * hash01(seed, col, row, 22);
  const joint = Math.min(du, dv) < 0.012 ? 0.84 : 1;
  const mean = 0.99;
  return mean + detail(0.4, fp) * (slab * joint - mean);
}

/** Asphalt: aggregate grain, patched repairs, tyre-polished tracks and a worn crown (x from the road's axis). */
function asphalt(x: number, z: number, fp: number, g: GroundView): number {
  const grain = sampleNoiseSmooth(fineNoise, x * 60 + 300, z * 60) * detail(0.03, fp) * 0.22;
  const patch = sampleNoiseSmooth(broadNoise, x * 3 + 700, z * 1.2 + 90) > 0.3 ? 0.9 : 1;
  const lane = Math.abs(Math.abs(x) - g.roadHalf * 0.5); // distance from a lane's centre
  const tracks = Math.abs(lane - 0.8) < 0.3 ? 0.93 : 1;
  return (1 + grain) * patch * tracks;
}

/** Oil and water stains, dust, and paler worn patches where people walk. */
function grime(X: number, z: number, seed: number): number {
  const ox = (seed % 997) * 1.3;
  const stain = sampleNoiseSmooth(broadNoise, X * 1.6 + ox, z * 1.6 + 500);
  const wear = sampleNoiseSmooth(broadNoise, X * 0.35 + 400, z * 0.35 + ox);
  return (stain > 0.22 ? 0.86 : 1) * (1 + 0.1 * wear);
}

/** A cast-iron cover on some 12 m cells of the road and of the pavement (a gain, 1 off the covers). */
function manhole(X: number, z: number, fp: number, g: GroundView, onRoad: boolean): number {
  const cell = 12;
  const cz = Math.floor(z / cell), cxCell = Math.floor(X / cell);
  const h = hash32(g.seed, cxCell, cz, 23);
  if ((h & 7) > 2) return 1;
  const mx = onRoad ? g.roadX + (((h >>> 3) & 1) ? 1 : -1) * g.roadHalf * 0.5 : (cxCell + 0.3 + 0.4 * hash01(h, 1)) * cell;
  const mz = (cz + 0.2 + 0.6 * hash01(h, 2)) * cell;
  if ((Math.abs(mx - g.roadX) < g.roadHalf) !== onRoad) return 1;
  const r = Math.hypot(X - mx, z - mz);
  if (r > 0.34 + fp) return 1;
  const cover = Math.max(0, Math.min(1, (0.34 - r) / fp + 0.5)); // anti-aliased rim
  const ring = r > 0.29 ? 0.55 : 0.72 + (Math.floor((X - mx) * 18) & 1 ? 0.06 : 0) * detail(0.05, fp);
  return 1 - cover + cover * ring;
}

