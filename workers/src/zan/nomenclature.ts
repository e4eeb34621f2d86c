import { LANDCOVER_CLASSES } from '@vigie/data';
import { type ClassLookup, type Nomenclature, BUILT_CATEGORY, REGION_GAP_M, SEALED_CATEGORY, classLookup } from '@vigie/api/zan';
import { NO_DATA } from '@vigie/api/zan';
import type { ModelCard } from '../runtime';
import { bridgeGaps, forEachRegion } from './regions';

/** The default nomenclature of a model: its classes, with categories and colours from the class table. */
export function defaultNomenclature(card: ModelCard): Nomenclature {
  return {
    builtMinM2: 50,
    sealedMinM2: 2500,
    regionGapM: REGION_GAP_M,
    classes: card.classes.map((c) => {
      const known = LANDCOVER_CLASSES.find((k) => k.key === c.name);
      const artificialised = known?.artificialised ?? c.artificialised ?? false;
      return {
        id: c.id,
        key: c.name,
        label: known?.label ?? c.label ?? c.name,
        ocsge: known?.ocsge ?? c.category ?? '',
        color: known?.color ?? '#9e9e9e',
        category: known?.category ?? (artificialised ? 4 : 10),
        artificialised,
        sealed: known?.sealed ?? false,
      };
    }),
  };
}

export interface ClassGrid {
  classes: Uint8Array;
  width: number;
  height: number;
}

/**
 * Artificialised (1) or not (0) per pixel, by the class mapping, then the reference thresholds on
 * connected regions: a built region (1°) under `builtMinM2` or a sealed-covering region (2°) under
 * `sealedMinM2` is not a category of its own at that size; it takes the status of what surrounds it
 * (the majority of the pixels along its border). A 20 m² shed in a field is not artificialised, a
 * pool in a garden is. Pieces of a sealed covering at most `regionGapM` apart are one region.
 */
export function artificialisedMask(grid: ClassGrid, nomenclature: Nomenclature, pixelAreaM2: number, lookup: ClassLookup = classLookup(nomenclature)): Uint8Array {
  const { classes, width, height } = grid;
  const n = width * height;
  const art = new Uint8Array(n);
  for (let p = 0; p < n; p++) art[p] = classes[p] === NO_DATA ? 0 : lookup.artificialised[classes[p]!]!;
  const visited = new Uint8Array(n);
  const inCategory = new Uint8Array(n);
  // a sealed surface split by a narrow strip of something else (a tree crown over a road, a line of pixels the
  // model got wrong) is one region for its threshold; buildings are compact and keep plain connectivity
  const bridge = Math.round(nomenclature.regionGapM / Math.sqrt(pixelAreaM2) / 2);
  for (const [category, minM2] of [[BUILT_CATEGORY, nomenclature.builtMinM2], [SEALED_CATEGORY, nomenclature.sealedMinM2]] as const) {
    const minPixels = Math.ceil(minM2 / pixelAreaM2 - 1e-9);
    if (minPixels <= 1) continue;
    visited.fill(0);
    for (let p = 0; p < n; p++) inCategory[p] = classes[p] !== NO_DATA && lookup.category[classes[p]!] === category ? 1 : 0;
    const connected = bridgeGaps(inCategory, width, height, category === SEALED_CATEGORY ? bridge : 0);
    const member = (p: number) => inCategory[p] === 1;
    forEachRegion(width, height, (p) => connected[p] === 1, minPixels, (region) => {
      if (region.size >= minPixels) return;
      let around = 0, aroundArtificialised = 0;
      for (let k = 0; k < region.collected; k++) {
        const p = region.pixels[k]!;
        const x = p % width;
        const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width];
        for (const q of neighbours) {
          if (q < 0 || q >= n || member(q) || classes[q] === NO_DATA) continue;
          around++;
          aroundArtificialised += lookup.artificialised[classes[q]!]!;
        }
      }
      const status = aroundArtificialised * 2 > around ? 1 : 0;
      for (let k = 0; k < region.collected; k++) art[region.pixels[k]!] = status;
    }, visited, member);
  }
  return art;
}
