import { hash01 } from './random';

/**
 * Precomputed tileable fractal noise. Sampling a table is far cheaper than
 * evaluating noise per pixel on 10 000 × 10 000 rasters; mixing two samples at
 * unrelated scales hides the period.
 */
export const NOISE_SIZE = 1024;
const MASK = NOISE_SIZE - 1;

function buildFbm(seed: number, baseCells: number, octaves: number): Float32Array {
  const out = new Float32Array(NOISE_SIZE * NOISE_SIZE);
  let amp = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const cells = baseCells << o;
    const lattice = new Float32Array(cells * cells);
    for (let i = 0; i < lattice.length; i++) lattice[i] = hash01(seed, o, i) * 2 - 1;
    const step = cells / NOISE_SIZE;
    for (let y = 0; y < NOISE_SIZE; y++) {
      const fy = y * step;
      const y0 = Math.floor(fy);
      let ty = fy - y0;
      ty = ty * ty * (3 - 2 * ty);
      const r0 = (y0 % cells) * cells;
      const r1 = ((y0 + 1) % cells) * cells;
      for (let x = 0; x < NOISE_SIZE; x++) {
        const fx = x * step;
        const x0 = Math.floor(fx);
        let tx = fx - x0;
        tx = tx * tx * (3 - 2 * tx);
        const x1 = (x0 + 1) % cells;
        const a = lattice[r0 + x0]! + (lattice[r0 + x1]! - lattice[r0 + x0]!) * tx;
        const b = lattice[r1 + x0]! + (lattice[r1 + x1]! - lattice[r1 + x0]!) * tx;
        out[y * NOISE_SIZE + x] = out[y * NOISE_SIZE + x]! + (a + (b - a) * ty) * amp;
      }
    }
    total += amp;
    amp *= 0.55;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}

/** Fine grain (a few pixels) to medium blotches. Values roughly in [-0.7, 0.7]. */
export const fineNoise = buildFbm(1, 64, 5);
/** Broad blotches (tens of metres once scaled). */
export const broadNoise = buildFbm(2, 8, 5);

/** Nearest sample of a noise table at integer coordinates (wraps). */
export function sampleNoise(table: Float32Array, x: number, y: number): number {
  return table[((y | 0) & MASK) * NOISE_SIZE + ((x | 0) & MASK)]!;
}

/** Bilinear sample at fractional coordinates (wraps). */
export function sampleNoiseSmooth(table: Float32Array, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const i00 = (y0 & MASK) * NOISE_SIZE;
  const i10 = ((y0 + 1) & MASK) * NOISE_SIZE;
  const xa = x0 & MASK;
  const xb = (x0 + 1) & MASK;
  const a = table[i00 + xa]! + (table[i00 + xb]! - table[i00 + xa]!) * tx;
  const b = table[i10 + xa]! + (table[i10 + xb]! - table[i10 + xa]!) * tx;
  return a + (b - a) * ty;
}
