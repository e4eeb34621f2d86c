import { broadNoise, fineNoise, sampleNoise } from '../noise';
import type { Crop, ParcelHit } from '../territory/land';
import type { AreaMaterial, RoofKind } from '../territory/types';

/** Albedo (0–255 floats) of ground materials, written into `out`. `u`, `v` in metres. */
export type Rgb = [number, number, number];

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

function set(out: Rgb, r: number, g: number, b: number, k: number): void {
  out[0] = r * k;
  out[1] = g * k;
  out[2] = b * k;
}

/** Grain (per pixel) and mid-scale (metres) texture factors. */
export function grain(u: number, v: number): number {
  return sampleNoise(fineNoise, u * 5, v * 5);
}
export function mid(u: number, v: number): number {
  // broad table at ~0.17 m per sample: smooth at pixel scale without bilinear filtering
  return sampleNoise(broadNoise, u * 6 + 300, v * 6 + 500);
}

/**
 * What a photograph shows of any grass or crop cover: it is never one green. Drier patches
 * tens of metres across turn it towards straw, damper ones darker and bluer, and tufts a
 * few decimetres wide break it up, so that a lawn reads as a lawn and not as a fill.
 */
export function mottle(u: number, v: number, out: Rgb, strength = 1): void {
  const dry = sampleNoise(broadNoise, u * 1.6 + 700, v * 1.6 + 90) * 1.6 * strength;
  const tuft = sampleNoise(fineNoise, u * 2.2 + 40, v * 2.2 + 400) * strength;
  const k = 1 + 0.16 * tuft;
  out[0] = (out[0] + 26 * dry) * k;
  out[1] = (out[1] + 9 * dry) * k;
  out[2] = (out[2] - 4 * dry) * (k - 0.04 * tuft);
}

export function cropColor(crop: Crop, season: number, hit: ParcelHit, u: number, v: number, out: Rgb): void {
  const g = grain(u, v);
  const m = mid(u, v);
  const broad = sampleNoise(broadNoise, u * 2.5, v * 2.5);
  const tint = ((hit.id & 255) / 255 - 0.5) * 0.12;
  // Tramlines: pairs of wheel tracks every 24 m along the working direction.
  const pos = hit.across + (hit.id % 24);
  const tram = pos % 24;
  const onTram = (tram > 0 && tram < 0.45) || (tram > 1.9 && tram < 2.35);
  const row = Math.sin(hit.across * Math.PI * 2 * 1.33);
  let k = 1 + 0.07 * g + 0.1 * m + 0.12 * broad + tint;
  switch (crop) {
    case 'ble': {
      const t = Math.min(1, season * 1.1 + broad * 0.3);
      set(out, lerp(110, 200, t), lerp(135, 172, t), lerp(60, 100, t), k);
      break;
    }
    case 'orge': {
      if (season > 0.6) {
        // harvested: stubble with straw windrows
        const swath = (hit.across + 100) % 6.2 < 1.3;
        k += swath ? 0.08 : 0;
        set(out, 206, 192, 142, k);
      } else set(out, lerp(170, 205, season), lerp(165, 180, season), lerp(95, 115, season), k);
      break;
    }
    case 'colza':
      set(out, lerp(95, 140, season), lerp(100, 112, season), lerp(52, 70, season), k + 0.05 * g);
      break;
    case 'mais': {
      const cover = Math.min(1, 0.35 + season * 0.7);
      const leaf = row * 0.5 + 0.5 < cover ? 1 : 0;
      if (leaf) set(out, 70, 115, 45, k + 0.1 * g);
      else set(out, 150, 128, 98, k);
      break;
    }
    case 'betterave': {
      const leaf = row > -0.7 ? 1 : 0;
      if (leaf) set(out, 62, 102, 45, k + 0.12 * g);
      else set(out, 140, 118, 90, k);
      break;
    }
    case 'lin':
      set(out, lerp(118, 150, season), lerp(140, 135, season), lerp(115, 85, season), k);
      break;
    case 'labour': {
      const furrow = Math.sin(hit.across * Math.PI * 2 * 0.6) * 0.08;
      set(out, 128, 104, 80, k + furrow + 0.08 * g);
      break;
    }
    case 'chaume': {
      const pass = Math.floor((hit.across + 1000) / 6) % 2 === 0 ? 0.05 : -0.03;
      set(out, 200, 184, 135, k + pass + 0.05 * g);
      break;
    }
    case 'prairie':
      set(out, 104, 122, 66, k + 0.1 * g + 0.08 * m);
      mottle(u, v, out);
      return;
  }
  mottle(u, v, out, crop === 'labour' ? 0.35 : 0.8);
  if (onTram) {
    out[0] *= 0.86;
    out[1] *= 0.84;
    out[2] *= 0.86;
  }
}

export function areaColor(material: AreaMaterial, u: number, v: number, out: Rgb): void {
  const g = grain(u, v);
  const m = mid(u, v);
  switch (material) {
    case 'jardin':
      // lawn with bare or dug patches (vegetable plots, worn spots)
      if (m > 0.33) set(out, 122, 106, 80, 1 + 0.1 * g);
      else {
        set(out, 94, 126, 62, 1 + 0.08 * g + 0.1 * m);
        mottle(u, v, out, 0.55);
      }
      break;
    case 'pelouse': {
      // a mown lawn of a business or public ground: greener and more even than a meadow, with the
      // light and dark bands the mower leaves (what tells it from the meadow next to it on a photograph)
      const band = Math.floor((u + 0.4 * v) / 1.7) % 2 === 0 ? 0.07 : -0.05;
      set(out, 92, 140, 60, 1 + 0.05 * g + 0.04 * m + band);
      mottle(u, v, out, 0.3);
      break;
    }
    case 'prairie':
      set(out, 110, 124, 70, 1 + 0.1 * g + 0.1 * m);
      mottle(u, v, out);
      break;
    case 'friche':
      set(out, 128, 130, 80, 1 + 0.14 * g + 0.14 * m);
      mottle(u, v, out, 1.3);
      break;
    case 'asphalte':
      set(out, 96, 97, 100, 1 + 0.06 * g + 0.05 * m);
      break;
    case 'beton': {
      const joint = u % 5 < 0.15 || v % 5 < 0.15 ? -0.08 : 0;
      set(out, 178, 175, 166, 1 + 0.05 * g + 0.08 * m + joint);
      break;
    }
    case 'gravier':
      // limestone gravel, as in the Vexin: grey-white and speckled, not the gold of a stubble field
      set(out, 190, 186, 174, 1 + 0.16 * g + 0.05 * m);
      break;
    case 'terre':
      set(out, 138, 114, 88, 1 + 0.1 * g + 0.12 * m);
      break;
    case 'chantier': {
      const tracks = Math.abs(Math.sin(u * 0.35 + m * 4)) > 0.96 ? -0.1 : 0;
      set(out, lerp(150, 185, m + 0.5), lerp(126, 160, m + 0.5), lerp(96, 125, m + 0.5), 1 + 0.1 * g + tracks);
      break;
    }
    case 'eau':
      set(out, 52, 72, 62, 1 + 0.03 * g + 0.06 * m);
      break;
    case 'piscine':
      set(out, 70, 175, 205, 1 + 0.05 * m + 0.03 * g);
      break;
    case 'terrasse': {
      const joint = u % 0.6 < 0.1 || v % 0.6 < 0.1 ? -0.05 : 0;
      set(out, 195, 185, 168, 1 + 0.04 * g + joint);
      break;
    }
  }
}

const ROOFS: Record<RoofKind, Rgb[]> = {
  tuile: [[150, 82, 58], [140, 90, 70], [160, 95, 65], [125, 78, 60]],
  'tuile-neuve': [[170, 88, 60], [120, 95, 85], [150, 75, 55], [105, 90, 85]],
  ardoise: [[78, 84, 94], [70, 74, 82], [90, 94, 100]],
  'bac-acier': [[160, 164, 165], [140, 145, 148], [185, 188, 186]],
  'toit-plat': [[185, 184, 178], [165, 165, 160], [200, 198, 192]],
  colore: [[60, 95, 150], [150, 55, 45], [60, 115, 80], [170, 160, 80]],
};

/** Roof albedo; `a`, `b`: position along and across the ridge, in metres. */
export function roofColor(kind: RoofKind, tint: number, a: number, b: number, u: number, v: number, out: Rgb): void {
  const palette = ROOFS[kind];
  const base = palette[Math.floor(tint * palette.length) % palette.length]!;
  const g = grain(u, v);
  const m = mid(u, v);
  let k = 1 + 0.07 * g;
  if (kind === 'tuile') k += 0.12 * m + 0.06 * g;
  if (kind === 'tuile' || kind === 'tuile-neuve' || kind === 'ardoise') k += (Math.abs(b) % 0.34 < 0.08 ? -0.07 : 0);
  if (kind === 'bac-acier' || kind === 'colore') k += Math.abs(a) % 0.5 < 0.15 ? 0.06 : -0.02;
  if (kind === 'toit-plat') k += 0.05 * m;
  set(out, base[0], base[1], base[2], k);
  // Old roofs weather: dark lichen and soot patches a metre or two across, greener where moss takes.
  if (kind === 'tuile' || kind === 'ardoise' || kind === 'toit-plat') {
    const stain = Math.max(0, sampleNoise(broadNoise, u * 9 + 17, v * 9 + 250) - 0.05) * 0.55;
    out[0] *= 1 - stain;
    out[1] *= 1 - stain * 0.7;
    out[2] *= 1 - stain * 0.85;
  }
}
