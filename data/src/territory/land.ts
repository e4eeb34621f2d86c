import { broadNoise, fineNoise, sampleNoiseSmooth } from '../noise';
import { hash01, hash32 } from '../random';
import type { Clearing, FieldSite, Point } from './types';

/**
 * The procedural ground: field parcels and the forest mask, evaluated per
 * pixel by the renderer and per point by the scene builder (so that nothing is
 * built in a wood).
 */
export interface LandModel {
  seed: number;
  fieldSites: FieldSite[];
  forestThreshold: number;
  forestOffset: Point;
  clearings: Clearing[];
  /** nearest field site per 4 m cell, 255 where two sites are close (then searched per pixel) */
  siteGrid?: { cells: number; data: Uint8Array };
}

const SITE_CELL = 4;

/** Precomputes the nearest field site on a 4 m grid: most pixels then skip the search. */
export function withSiteGrid<M extends LandModel>(m: M, sizeM: number): M {
  const cells = Math.ceil(sizeM / SITE_CELL) + 2;
  const data = new Uint8Array(cells * cells);
  for (let y = 0; y < cells; y++) {
    for (let x = 0; x < cells; x++) {
      const u = (x + 0.5) * SITE_CELL;
      const v = (y + 0.5) * SITE_CELL;
      let best = 0;
      let bestD = Infinity;
      let second = Infinity;
      for (let i = 0; i < m.fieldSites.length; i++) {
        const s = m.fieldSites[i]!;
        const d = Math.hypot(u - s.center[0], v - s.center[1]);
        if (d < bestD) {
          second = bestD;
          bestD = d;
          best = i;
        } else if (d < second) second = d;
      }
      data[y * cells + x] = second - bestD < 2 * SITE_CELL * 1.5 + 4 ? 255 : best;
    }
  }
  m.siteGrid = { cells, data };
  return m;
}

/** Raw forest field before thresholding; forest where > forestThreshold. */
export function forestField(m: LandModel, u: number, v: number): number {
  let f = sampleNoiseSmooth(broadNoise, (u + m.forestOffset[0]) / 1.6, (v + m.forestOffset[1]) / 1.6);
  f += 0.05 * sampleNoiseSmooth(fineNoise, u / 0.9, v / 0.9);
  for (const c of m.clearings) {
    const d = Math.hypot(u - c.center[0], v - c.center[1]);
    if (d < c.radius + 40) f -= d < c.radius ? 2 : (2 * (c.radius + 40 - d)) / 40;
  }
  return f;
}

export function isForest(m: LandModel, u: number, v: number): boolean {
  return forestField(m, u, v) > m.forestThreshold;
}

/** Conifer plantations are patches inside the woods. */
export function isConiferZone(m: LandModel, u: number, v: number): boolean {
  return sampleNoiseSmooth(broadNoise, (v + 333 + m.forestOffset[1]) / 0.9, (u + 777) / 0.9) > 0.16;
}

export interface ParcelHit {
  id: number;
  /** caches of the last column / row / strip, so hashes run once per parcel, not per pixel */
  _col?: number;
  _len?: number;
  _off?: number;
  _row?: number;
  _strips?: number;
  _strip?: number;
  /** distance in metres to the nearest parcel edge */
  edge: number;
  /** unit vector of the working direction (rows, tramlines) */
  dirU: number;
  dirV: number;
  /** coordinate along the rows' normal, in metres */
  across: number;
  /** the strip's length and the point's distance from its start, in metres */
  len: number;
  along: number;
  /** the strip's centre (metres) and the unit vector of its length */
  cu: number;
  cv: number;
  lenU: number;
  lenV: number;
}

/** A reusable hit for parcelAt, which fills it in. */
export function parcelHit(): ParcelHit {
  return { id: 0, edge: 0, dirU: 0, dirV: 0, across: 0, len: 0, along: 0, cu: 0, cv: 0, lenU: 0, lenV: 0 };
}

/** Field parcel under a point: strips of varying length in a rotated frame, per field site. */
export function parcelAt(m: LandModel, u: number, v: number, out: ParcelHit): ParcelHit {
  let best = 0;
  let bestD = Infinity;
  let second = Infinity;
  const grid = m.siteGrid;
  const gx = Math.floor(u / SITE_CELL);
  const gy = Math.floor(v / SITE_CELL);
  const cached = grid && gx >= 0 && gy >= 0 && gx < grid.cells && gy < grid.cells ? grid.data[gy * grid.cells + gx]! : 255;
  if (cached !== 255) {
    best = cached;
    bestD = 0;
    second = 1e8;
  } else for (let i = 0; i < m.fieldSites.length; i++) {
    const s = m.fieldSites[i]!;
    const d = (u - s.center[0]) ** 2 + (v - s.center[1]) ** 2;
    if (d < bestD) {
      second = bestD;
      bestD = d;
      best = i;
    } else if (d < second) second = d;
  }
  const site = m.fieldSites[best]!;
  const c = site.cos ?? Math.cos(site.angle);
  const s = site.sin ?? Math.sin(site.angle);
  const du = u - site.center[0];
  const dv = v - site.center[1];
  const a = du * c + dv * s + 5000;
  const b = -du * s + dv * c + 5000;
  const w = site.columnWidth;
  const k = Math.floor(a / w);
  const col = best * 100003 + k;
  if (out._col !== col) {
    out._col = col;
    out._len = 110 + hash01(m.seed, best, k) * 260;
    out._off = hash01(m.seed, best, k, 1) * out._len;
    out._row = NaN;
  }
  const len = out._len!;
  const off = out._off!;
  const j = Math.floor((b + off) / len);
  const row = col * 4099 + j;
  if (out._row !== row) {
    out._row = row;
    out._strips = 1 + Math.floor(hash01(m.seed, best, k, j + 7) * 2.4);
    out._strip = NaN;
  }
  const strips = out._strips!;
  const fa = a / w - k;
  const sub = Math.floor(fa * strips);
  const stripW = w / strips;
  const inStrip = (fa * strips - sub) * stripW;
  const fb = (b + off) / len - j;
  if (out._strip !== sub) {
    out._strip = sub;
    out.id = hash32(m.seed, best, k * 4 + sub, j);
    const ca = (k + (sub + 0.5) / strips) * w - 5000;
    const cb = (j + 0.5) * len - off - 5000;
    out.cu = site.center[0] + ca * c - cb * s;
    out.cv = site.center[1] + ca * s + cb * c;
    out.len = len;
    out.lenU = -s;
    out.lenV = c;
  }
  out.along = fb * len;
  // Site borders: half the gap between squared distances is not metric; approximate with sqrt difference.
  const siteEdge = (Math.sqrt(second) - Math.sqrt(bestD)) / 2;
  out.edge = Math.min(inStrip, stripW - inStrip, fb * len, (1 - fb) * len, siteEdge);
  const alongA = (out.id & 1023) < 716;
  out.dirU = alongA ? -s : c;
  out.dirV = alongA ? c : s;
  out.across = alongA ? a : b;
  return out;
}

const PADDOCK_M = 55;

export interface Paddock {
  /** index of the paddock along its strip */
  index: number;
  /** its centre, in metres */
  centre: Point;
  /** distance in metres from the point to the cuts between paddocks of the strip */
  edge: number;
}

/**
 * Near a village the strips are cut across into paddocks about 55 m long, so that the ring of
 * meadows around it follows field boundaries (each paddock is meadow or not as a whole), as
 * the enclosed pastures round a French village do, instead of a disc drawn over the fields.
 */
export function paddockOf(hit: ParcelHit, out: Paddock): Paddock {
  const len = hit.len;
  const pieces = Math.max(1, Math.round(len / PADDOCK_M));
  const piece = len / pieces;
  const index = Math.min(pieces - 1, Math.floor(hit.along / piece));
  const t = (index + 0.5) * piece - len / 2;
  out.index = index;
  out.centre[0] = hit.cu + t * hit.lenU;
  out.centre[1] = hit.cv + t * hit.lenV;
  const inPiece = hit.along - index * piece;
  out.edge = Math.min(index > 0 ? inPiece : Infinity, index < pieces - 1 ? piece - inPiece : Infinity);
  return out;
}

export type Crop = 'ble' | 'orge' | 'colza' | 'mais' | 'betterave' | 'labour' | 'prairie' | 'chaume' | 'lin';

const ROTATION: Crop[] = ['ble', 'ble', 'orge', 'colza', 'mais', 'betterave', 'ble', 'lin', 'labour', 'chaume', 'orge', 'mais'];

/** What grows on a parcel in a given year; permanent meadows stay meadows. */
export function cropFor(parcelId: number, year: number): Crop {
  if (hash01(parcelId, 77) < 0.13) return 'prairie';
  return ROTATION[hash32(parcelId, year) % ROTATION.length]!;
}
