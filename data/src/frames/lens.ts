import { hash01 } from '../random';
import { broadNoise, fineNoise, sampleNoiseSmooth } from '../noise';
import type { TimeOfDay } from './scene';

/**
 * What a real camera adds to a rendered view, on raw RGB pixels in memory: weathering blotches on every
 * surface (a flat vector fill reads as a diagram, not a photograph), lens vignetting, and sensor noise that
 * grows as the light falls. Geometry is untouched, so the boxes stay exact.
 */
export function cameraLook(rgb: Buffer, width: number, height: number, seed: number, time: TimeOfDay): Buffer {
  const ox = hash01(seed, 1) * 1024, oy = hash01(seed, 2) * 1024;
  const noise = time === 'soir' ? 7 : time === 'matin' ? 4.5 : 3;
  const cx = width / 2, cy = height / 2, r2 = cx * cx + cy * cy;
  const out = Buffer.allocUnsafe(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const weather = 1 + 0.09 * sampleNoiseSmooth(broadNoise, x * 0.9 + ox, y * 0.9 + oy) + 0.07 * sampleNoiseSmooth(fineNoise, x * 0.6 + oy, y * 0.6 + ox);
      const d = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2;
      const gain = weather * (1 - 0.3 * d * d);
      const i = (y * width + x) * 3;
      // luminance noise mostly, a little chroma: what a small CCTV sensor shows
      const n = (hash01(seed, i, 3) + hash01(seed, i, 4) - 1) * 2 * noise;
      for (let c = 0; c < 3; c++) out[i + c] = clamp(rgb[i + c]! * gain + n + (hash01(seed, i + c, 5) - 0.5) * noise * 0.6);
    }
  }
  return out;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
