import type { Polygon } from 'geojson';
import { type GeoTransform, type Position, pixelToMap, toWgs84 } from '@vigie/api/geo';
import { type ClassLookup, type ClassRaster, NO_DATA } from '@vigie/api/zan';
import { forEachRegion } from './regions';
import { simplifyRing, traceOuterBoundary } from './vectorise';

export const pixelAreaM2 = (gt: GeoTransform) => Math.abs(gt.pixelWidth * gt.pixelHeight);

export interface CommuneClassArea {
  commune: number;
  classId: number;
  areaM2: number;
  artificialisedM2: number;
}

/** Area per commune and class (pixels whose centre is inside the commune), and its artificialised part. */
export function communeClassAreas(classes: Uint8Array, artificialised: Uint8Array, communeLabels: Uint16Array, communeCount: number, areaM2: number): CommuneClassArea[] {
  const counts = new Float64Array((communeCount + 1) * 256);
  const artCounts = new Float64Array((communeCount + 1) * 256);
  for (let p = 0; p < classes.length; p++) {
    const commune = communeLabels[p]!;
    const cls = classes[p]!;
    if (commune === 0 || cls === NO_DATA) continue;
    counts[commune * 256 + cls]!++;
    artCounts[commune * 256 + cls]! += artificialised[p]!;
  }
  const areas: CommuneClassArea[] = [];
  for (let commune = 1; commune <= communeCount; commune++) {
    for (let cls = 0; cls < 255; cls++) {
      const n = counts[commune * 256 + cls]!;
      if (n > 0) areas.push({ commune: commune - 1, classId: cls, areaM2: n * areaM2, artificialisedM2: artCounts[commune * 256 + cls]! * areaM2 });
    }
  }
  return areas;
}

/** One vintage's map with its artificialised mask. */
export interface AnalysedVintage {
  raster: ClassRaster;
  artificialised: Uint8Array;
}

export interface ClassFlow {
  commune: number;
  fromClass: number;
  toClass: number;
  areaM2: number;
  artificialisedM2: number;
  renaturedM2: number;
}

export interface ChangeRegion {
  kind: 'artificialisation' | 'renaturation';
  commune: number | null;
  fromClass: number;
  toClass: number;
  areaM2: number;
  /** WGS84, exterior ring counter-clockwise */
  geometry: Polygon;
  /** Lambert-93 centroid, for the stable key */
  centroid: Position;
}

/** Offset of grid b's pixel (0, 0) in grid a's pixels; the two must share their pixel size and alignment. */
export function gridOffset(a: GeoTransform, b: GeoTransform): [number, number] {
  if (Math.abs(a.pixelWidth - b.pixelWidth) > 1e-6 || Math.abs(a.pixelHeight - b.pixelHeight) > 1e-6) {
    throw new Error('les deux millésimes n’ont pas la même résolution : comparaison impossible');
  }
  const dx = (b.originX - a.originX) / a.pixelWidth, dy = (a.originY - b.originY) / a.pixelHeight;
  if (Math.abs(dx - Math.round(dx)) > 1e-3 || Math.abs(dy - Math.round(dy)) > 1e-3) {
    throw new Error('les deux millésimes ne sont pas sur la même grille de pixels : comparaison impossible');
  }
  return [Math.round(dx), Math.round(dy)];
}

export interface CompareOptions {
  /** commune labels on the later vintage's grid */
  communeLabels: Uint16Array;
  /** change polygons smaller than this are counted in the flows but not vectorised */
  minChangeM2: number;
  lookup: ClassLookup;
  /** whether to vectorise change polygons (only between consecutive vintages) */
  polygons: boolean;
}

/**
 * Change from `earlier` to `later`, over the pixels both cover: per commune and class transition, the
 * area that changed class, and within it what became artificialised and what was renatured (the
 * artificialised masks include the thresholds). Regions of artificialisation and of renaturation
 * above `minChangeM2` are vectorised.
 */
export function compareVintages(earlier: AnalysedVintage, later: AnalysedVintage, options: CompareOptions): { flows: ClassFlow[]; changes: ChangeRegion[] } {
  const b = later.raster, a = earlier.raster;
  const [ox, oy] = gridOffset(a.geoTransform, b.geoTransform);
  const { width, height } = b;
  const area = pixelAreaM2(b.geoTransform);
  const kind = new Uint8Array(width * height); // 1 artificialisation, 2 renaturation
  const fromClass = new Uint8Array(width * height).fill(NO_DATA);
  const flows = new Map<number, ClassFlow>();
  for (let y = 0; y < height; y++) {
    const ay = y + oy;
    if (ay < 0 || ay >= a.height) continue;
    for (let x = 0; x < width; x++) {
      const ax = x + ox;
      if (ax < 0 || ax >= a.width) continue;
      const p = y * width + x, q = ay * a.width + ax;
      const to = b.classes[p]!, from = a.classes[q]!;
      if (to === NO_DATA || from === NO_DATA) continue;
      fromClass[p] = from;
      const artBefore = earlier.artificialised[q]!, artAfter = later.artificialised[p]!;
      if (from === to && artBefore === artAfter) continue;
      if (artAfter > artBefore) kind[p] = 1;
      else if (artBefore > artAfter) kind[p] = 2;
      const commune = options.communeLabels[p]!;
      if (commune === 0) continue;
      const key = (commune * 256 + from) * 256 + to;
      let flow = flows.get(key);
      if (!flow) flows.set(key, (flow = { commune: commune - 1, fromClass: from, toClass: to, areaM2: 0, artificialisedM2: 0, renaturedM2: 0 }));
      flow.areaM2 += area;
      if (kind[p] === 1) flow.artificialisedM2 += area;
      if (kind[p] === 2) flow.renaturedM2 += area;
    }
  }
  const changes = options.polygons ? vectoriseChanges(later.raster, kind, fromClass, options, area) : [];
  return { flows: [...flows.values()], changes };
}

function vectoriseChanges(raster: ClassRaster, kind: Uint8Array, fromClass: Uint8Array, options: CompareOptions, area: number): ChangeRegion[] {
  const { width, height, geoTransform: gt } = raster;
  const minPixels = Math.max(1, Math.ceil(options.minChangeM2 / area));
  const changes: ChangeRegion[] = [];
  const current = new Uint8Array(width * height);
  for (const k of [1, 2] as const) {
    forEachRegion(width, height, (p) => kind[p] === k, width * height, (region) => {
      if (region.size < minPixels) return;
      const transitions = new Map<number, number>();
      const communes = new Map<number, number>();
      let sx = 0, sy = 0;
      for (let i = 0; i < region.collected; i++) {
        const p = region.pixels[i]!;
        current[p] = 1;
        const t = fromClass[p]! * 256 + raster.classes[p]!;
        transitions.set(t, (transitions.get(t) ?? 0) + 1);
        const c = options.communeLabels[p]!;
        communes.set(c, (communes.get(c) ?? 0) + 1);
        sx += p % width; sy += Math.floor(p / width);
      }
      const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && current[y * width + x] === 1;
      const ring = simplifyRing(traceOuterBoundary(region.first, width, inside), 1.5);
      for (let i = 0; i < region.collected; i++) current[region.pixels[i]!] = 0;
      const transition = majority(transitions)!;
      const commune = majority(communes)!;
      const wgs84 = ring.map(([x, y]) => toWgs84(pixelToMap(gt, x, y))).reverse();
      changes.push({
        kind: k === 1 ? 'artificialisation' : 'renaturation',
        commune: commune === 0 ? null : commune - 1,
        fromClass: transition >> 8,
        toClass: transition & 255,
        areaM2: region.size * area,
        geometry: { type: 'Polygon', coordinates: [wgs84] },
        centroid: pixelToMap(gt, sx / region.collected + 0.5, sy / region.collected + 0.5),
      });
    });
  }
  return changes;
}

function majority(counts: Map<number, number>): number | undefined {
  let best: number | undefined, bestCount = -1;
  for (const [key, count] of counts) if (count > bestCount) { best = key; bestCount = count; }
  return best;
}
