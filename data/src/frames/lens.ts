import { hash01 } from '../random';
import { broadNoise, fineNoise, sampleNoiseSmooth } from '../noise';
import type { TimeOfDay } from './scene';
import { clampByte } from './pixels';

/** Per-channel white balance a fixed camera drifts to through the day: warm low sun, bluish dusk. */
const CAST: Record<TimeOfDay, [number, number, number]> = {
  matin: [1.04, 1.0, 0.95],
  midi: [0.99, 1.0, 1.02],
  'apres-midi': [1.05, 1.0, 0.94],
  soir: [0.97, 0.97, 1.05],
};

/** Lateral chromatic aberration at the frame's corners, pixels (red out, blue in). */
const FRINGE = 0.9;

/**
 * What a real camera adds to a rendered view, on raw RGB pixels in memory: lens softness (a small PSF) and
 * colour fringes towards the corners, weathering blotches on every surface (a flat vector fill reads as a
 * diagram, not a photograph), vignetting, the sensor's tone curve (lifted blacks, highlights rolling off)
 * with the day's colour cast, and sensor noise that grows as the light falls. Geometry is untouched, so the
 * boxes stay exact.
 */
export function cameraLook(rgb: Buffer, width: number, height: number, seed: number, time: TimeOfDay): Buffer {
  const soft = lensSoftness(rgb, width, height);
  const curves = CAST[time].map(toneCurve);
  const ox = hash01(seed, 1) * 1024, oy = hash01(seed, 2) * 1024;
  const noise = time === 'soir' ? 7 : time === 'matin' ? 4.5 : 3;
  const cx = width / 2, cy = height / 2, r2 = cx * cx + cy * cy, rMax = Math.sqrt(r2);
  const out = Buffer.allocUnsafe(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const weather = 1 + 0.09 * sampleNoiseSmooth(broadNoise, x * 0.9 + ox, y * 0.9 + oy) + 0.07 * sampleNoiseSmooth(fineNoise, x * 0.6 + oy, y * 0.6 + ox);
      const d = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2;
      const gain = weather * (1 - 0.3 * d * d);
      // fringe grows with the distance from the centre, along the radius
      const fx = ((x - cx) / rMax) * FRINGE * Math.sqrt(d), fy = ((y - cy) / rMax) * FRINGE * Math.sqrt(d);
      const i = (y * width + x) * 3;
      // luminance noise mostly, a little chroma: what a small CCTV sensor shows
      const n = (hash01(seed, i, 3) + hash01(seed, i, 4) - 1) * 2 * noise;
      const chroma = noise * 0.6;
      out[i] = clampByte(curves[0]![Math.min(CURVE_MAX, Math.round(sample(soft, width, height, x + fx, y + fy, 0) * gain))]! + n + (hash01(seed, i, 5) - 0.5) * chroma);
      out[i + 1] = clampByte(curves[1]![Math.min(CURVE_MAX, Math.round(soft[i + 1]! * gain))]! + n + (hash01(seed, i + 1, 5) - 0.5) * chroma);
      out[i + 2] = clampByte(curves[2]![Math.min(CURVE_MAX, Math.round(sample(soft, width, height, x - fx, y - fy, 2) * gain))]! + n + (hash01(seed, i + 2, 5) - 0.5) * chroma);
    }
  }
  return out;
}

/** A small lens's point spread: each pixel keeps 60 % of its light and takes 10 % from each neighbour. */
function lensSoftness(rgb: Buffer, width: number, height: number): Float32Array {
  const out = new Float32Array(rgb.length);
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    const up = y > 0 ? -row : 0, down = y < height - 1 ? row : 0;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? -3 : 0, right = x < width - 1 ? 3 : 0;
      const i = (y * width + x) * 3;
      for (let c = i; c < i + 3; c++) out[c] = 0.6 * rgb[c]! + 0.1 * (rgb[c + up]! + rgb[c + down]! + rgb[c + left]! + rgb[c + right]!);
    }
  }
  return out;
}

/** Bilinear sample of one channel, clamped to the frame. */
function sample(img: Float32Array, width: number, height: number, x: number, y: number, c: number): number {
  const xc = Math.max(0, Math.min(width - 1.001, x)), yc = Math.max(0, Math.min(height - 1.001, y));
  const x0 = Math.floor(xc), y0 = Math.floor(yc), tx = xc - x0, ty = yc - y0;
  const i = (y0 * width + x0) * 3 + c, j = i + width * 3;
  const a = img[i]! + (img[i + 3]! - img[i]!) * tx;
  const b = img[j]! + (img[j + 3]! - img[j]!) * tx;
  return a + (b - a) * ty;
}

/** Inputs above 255 happen (weathering brightens): the curve keeps some of them apart before white. */
const CURVE_MAX = 320;

/**
 * A sensor's response for one channel and its white-balance gain: blacks lifted to about 8 levels, linear
 * through the mid-tones, and a shoulder above 80 % so that a white van or a sunlit wall rolls off into white
 * instead of clipping flat.
 */
function toneCurve(balance: number): Float32Array {
  const knee = 0.8, lift = 8 / 255;
  const shoulder = (v: number) => (v < knee ? v : knee + (1 - knee) * (1 - Math.exp(-(v - knee) / (1 - knee))));
  const top = shoulder(1.12);
  const curve = new Float32Array(CURVE_MAX + 1);
  for (let v = 0; v <= CURVE_MAX; v++) curve[v] = 255 * (lift + (1 - lift) * (shoulder((v / 255) * balance) / top));
  return curve;
}

