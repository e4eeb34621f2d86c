import { describe, expect, it } from 'vitest';
import { type ClassRaster, NO_DATA, classLookup, parseReferenceCsv } from '@vigie/api/zan';
import { pixelToMap, toWgs84, type GeoTransform } from '@vigie/api/geo';
import { artificialisedMask, bridgeGaps, compareVintages, fillRings, forEachRegion, mergeClassRasters, rasterisePolygons, traceOuterBoundary } from '@vigie/workers/zan';
import { BUILT, FIELD, GARDEN, ROAD, nomenclature } from '../../support/nomenclature';

function grid(width: number, height: number, fill: number) {
  return { classes: new Uint8Array(width * height).fill(fill), width, height };
}
function paint(g: ReturnType<typeof grid>, x0: number, y0: number, w: number, h: number, cls: number) {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) g.classes[y * g.width + x] = cls;
}
const count = (mask: Uint8Array) => mask.reduce((s, v) => s + v, 0);

describe('nomenclature thresholds on connected regions (1 m pixels)', () => {
  it('drops a 36 m² shed in a field, keeps a 64 m² house', () => {
    const g = grid(40, 40, FIELD);
    paint(g, 2, 2, 6, 6, BUILT); // 36 m² < 50 m²
    paint(g, 20, 20, 8, 8, BUILT); // 64 m²
    const mask = artificialisedMask(g, nomenclature, 1);
    expect(count(mask)).toBe(64);
  });

  it('keeps a small building or pool inside gardens: it takes the status of what surrounds it', () => {
    const g = grid(40, 40, GARDEN);
    paint(g, 2, 2, 6, 6, BUILT);
    paint(g, 20, 20, 4, 8, ROAD);
    expect(count(artificialisedMask(g, nomenclature, 1))).toBe(1600);
  });

  it('applies the 2,500 m² threshold to sealed regions: a 40 × 40 m car park in fields is not counted, 60 × 60 m is', () => {
    const g = grid(200, 100, FIELD);
    paint(g, 10, 10, 40, 40, ROAD); // 1,600 m²
    paint(g, 100, 10, 60, 60, ROAD); // 3,600 m²
    expect(count(artificialisedMask(g, nomenclature, 1))).toBe(3600);
    // a thin road joins them: one connected region of 5,000+ m², all counted
    paint(g, 50, 20, 50, 2, ROAD);
    expect(count(artificialisedMask(g, nomenclature, 1))).toBe(1600 + 3600 + 100);
  });

  it('scales thresholds with the pixel size (0.2 m pixels: 50 m² = 1,250 pixels)', () => {
    const g = grid(100, 100, FIELD);
    paint(g, 0, 0, 35, 35, BUILT); // 1,225 px = 49 m²
    expect(count(artificialisedMask(g, nomenclature, 0.04))).toBe(0);
    paint(g, 0, 0, 36, 36, BUILT); // 1,296 px = 51.8 m²
    expect(count(artificialisedMask(g, nomenclature, 0.04))).toBe(1296);
  });

  it('joins the pieces of a road cut by a tree crown narrower than regionGapM, not pieces farther apart', () => {
    // a 4 m wide road of 2 × 400 m² … 2 × 1,600 m² on either side of a crown; fields around
    const road = (gapM: number, pieceM: number) => {
      const g = grid(2 * pieceM + gapM + 20, 20, FIELD);
      paint(g, 10, 8, pieceM, 4, ROAD);
      paint(g, 10 + pieceM + gapM, 8, pieceM, 4, ROAD);
      return g;
    };
    const withGap = (regionGapM: number) => ({ ...nomenclature, regionGapM });
    // 2 × 1,600 m² = 3,200 m² ≥ 2,500 m² once joined; each piece alone is under the threshold
    expect(count(artificialisedMask(road(6, 400), withGap(0), 1))).toBe(0);
    expect(count(artificialisedMask(road(6, 400), withGap(6), 1))).toBe(3200);
    expect(count(artificialisedMask(road(6, 400), withGap(4), 1))).toBe(0);
    // the bridge joins, it is not counted: only the road's own pixels are sized and marked
    expect(count(artificialisedMask(road(2, 300), withGap(6), 1))).toBe(0); // 2 × 1,200 m² = 2,400 m²
    // buildings keep plain connectivity: two 30 m² sheds 1 m apart are not one 60 m² building
    const sheds = grid(30, 30, FIELD);
    paint(sheds, 5, 5, 6, 5, BUILT);
    paint(sheds, 12, 5, 6, 5, BUILT);
    expect(count(artificialisedMask(sheds, withGap(6), 1))).toBe(0);
  });

  it('bridgeGaps dilates by a square of the radius, exactly', () => {
    const w = 23, h = 17;
    const mask = new Uint8Array(w * h);
    for (const p of [0, 40, 200, 391]) mask[p] = 1;
    for (const radius of [0, 1, 2, 5]) {
      const got = bridgeGaps(mask, w, h, radius);
      for (let p = 0; p < w * h; p++) {
        const x = p % w, y = Math.floor(p / w);
        let near = 0;
        for (let q = 0; q < w * h; q++) if (mask[q] && Math.abs((q % w) - x) <= radius && Math.abs(Math.floor(q / w) - y) <= radius) near = 1;
        expect(got[p], `radius ${radius} pixel ${x},${y}`).toBe(near);
      }
    }
  });

  it('ignores no-data pixels', () => {
    const g = grid(10, 10, 255);
    expect(count(artificialisedMask(g, nomenclature, 1))).toBe(0);
  });
});

describe('regions and their outlines', () => {
  it('finds 4-connected regions with exact sizes (diagonal contact does not connect)', () => {
    const g = grid(6, 6, 0);
    paint(g, 0, 0, 2, 2, 1);
    paint(g, 2, 2, 2, 2, 1);
    const sizes: number[] = [];
    forEachRegion(6, 6, (p) => g.classes[p] === 1, 100, (r) => sizes.push(r.size));
    expect(sizes).toEqual([4, 4]);
  });

  it('collects every pixel of a region larger than its first buffer, and no more than asked', () => {
    const side = 300; // 90,000 pixels: the buffer starts at 65,536 and grows
    const all: number[] = [];
    forEachRegion(side, side, () => true, side * side, (r) => all.push(r.size, r.collected, new Set(r.pixels.subarray(0, r.collected)).size));
    expect(all).toEqual([90_000, 90_000, 90_000]);
    const capped: number[] = [];
    forEachRegion(side, side, () => true, 70_000, (r) => capped.push(r.size, r.collected, r.pixels.length));
    expect(capped).toEqual([90_000, 70_000, 70_000]);
  });

  it('traces an L-shaped region along pixel edges, with the region on the right', () => {
    // ##.
    // #..
    const member = new Set([0, 1, 3]);
    const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < 3 && y < 2 && member.has(y * 3 + x);
    expect(traceOuterBoundary(0, 3, inside)).toEqual([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]);
  });

  it('traces a region that touches another only diagonally without crossing into it', () => {
    const member = new Set([0, 4]); // (0,0) and (1,1) in a 3-wide grid
    const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < 3 && y < 3 && x === 0 && y === 0 && member.has(0);
    expect(traceOuterBoundary(0, 3, inside)).toEqual([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]);
  });
});

describe('rasterising communes', () => {
  it('burns pixels whose centre lies inside, holes excluded', () => {
    const labels = new Uint16Array(10 * 10);
    fillRings([[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]], [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]], labels, 10, 10, 7);
    expect(labels.filter((v) => v === 7).length).toBe(64 - 4);
    expect(labels[0]).toBe(0);
    expect(labels[5 * 10 + 5]).toBe(0);
    expect(labels[1 * 10 + 1]).toBe(7);
  });

  it('places a WGS84 polygon on a Lambert-93 grid', () => {
    const gt: GeoTransform = { originX: 600_000, originY: 6_900_000, pixelWidth: 1, pixelHeight: 1 };
    const ring = [[10, 10], [30, 10], [30, 20], [10, 20], [10, 10]].map(([c, r]) => toWgs84(pixelToMap(gt, c!, r!)));
    const labels = rasterisePolygons([{ geometry: { type: 'Polygon', coordinates: [ring] } }], gt, 40, 40);
    expect(labels.filter((v) => v === 1).length).toBe(200);
  });
});

describe('change between two vintages', () => {
  it('counts artificialisation and renaturation per commune and class transition, and outlines regions above the minimum', () => {
    const gt: GeoTransform = { originX: 600_000, originY: 6_900_000, pixelWidth: 1, pixelHeight: 1 };
    const before = grid(100, 100, FIELD);
    paint(before, 70, 70, 20, 20, BUILT);
    const after = grid(100, 100, FIELD);
    paint(after, 10, 10, 20, 10, BUILT); // new 200 m² building
    paint(after, 50, 50, 5, 5, GARDEN); // 25 m² of garden: below the 100 m² polygon minimum
    const raster = (g: ReturnType<typeof grid>, vintageId: number): ClassRaster => ({ ...g, geoTransform: gt, vintageId, runId: 'r' });
    const lookup = classLookup(nomenclature);
    const analyse = (g: ReturnType<typeof grid>, id: number) => ({ raster: raster(g, id), artificialised: artificialisedMask(g, nomenclature, 1, lookup) });
    const labels = new Uint16Array(100 * 100).fill(1);
    const { flows, changes } = compareVintages(analyse(before, 1), analyse(after, 2), { communeLabels: labels, minChangeM2: 100, lookup, polygons: true });
    const art = flows.reduce((s, f) => s + f.artificialisedM2, 0), ren = flows.reduce((s, f) => s + f.renaturedM2, 0);
    expect(art).toBe(225);
    expect(ren).toBe(400);
    expect(flows.find((f) => f.fromClass === FIELD && f.toClass === BUILT)!.areaM2).toBe(200);
    expect(changes.map((c) => [c.kind, c.areaM2, c.fromClass, c.toClass])).toEqual([['artificialisation', 200, FIELD, BUILT], ['renaturation', 400, BUILT, FIELD]]);
    expect(changes[0]!.geometry.coordinates[0]).toHaveLength(5);
  });
});

describe('reference consumption CSV', () => {
  it('reads hectares keyed by INSEE code', () => {
    expect(parseReferenceCsv('insee;reference_ha\n95584;12,5\n95002;0\n')).toEqual([{ insee: '95584', referenceConsumptionHa: 12.5 }, { insee: '95002', referenceConsumptionHa: 0 }]);
  });

  it('sums the Cerema file’s yearly m² columns over 2011–2020', () => {
    const years = Array.from({ length: 10 }, (_, i) => `naf${11 + i}art${12 + i}`);
    const csv = `idcom,idcomtxt,naf09art10,${years.join(',')},naf21art22\n2A004,Ajaccio,99999,${years.map(() => '1000').join(',')},88888\n`;
    expect(parseReferenceCsv(csv)).toEqual([{ insee: '2A004', referenceConsumptionHa: 1 }]);
  });

  it('refuses a file without a usable column or with a bad value', () => {
    expect(() => parseReferenceCsv('commune;ha\nx;1\n')).toThrow(/INSEE/);
    expect(() => parseReferenceCsv('insee;reference_ha\n95584;-3\n')).toThrow(/Ligne 2/);
    expect(() => parseReferenceCsv('insee;reference_ha\n9558;3\n')).toThrow(/INSEE/);
  });
});

describe('class raster of a vintage after a run over some communes', () => {
  const gt: GeoTransform = { originX: 600_000, originY: 6_900_000, pixelWidth: 1, pixelHeight: 1 };
  const raster = (width: number, height: number, fill: number, at: GeoTransform, runId: string): ClassRaster =>
    ({ classes: new Uint8Array(width * height).fill(fill), width, height, geoTransform: at, vintageId: 1, runId });

  it('widens the earlier map to the run and lays the analysed pixels over it, keeping the rest', () => {
    const earlier = raster(4, 4, FIELD, gt, 'a');
    // 3 x 3 run two pixels east and three south; its corner pixel lies outside the run's communes
    const run = raster(3, 3, BUILT, { ...gt, originX: gt.originX + 2, originY: gt.originY - 3 }, 'b');
    run.classes[8] = NO_DATA;
    const merged = mergeClassRasters(earlier, run);
    expect([merged.width, merged.height, merged.runId, merged.geoTransform]).toEqual([5, 6, 'b', gt]);
    const at = (col: number, row: number) => merged.classes[row * merged.width + col];
    expect([at(0, 0), at(3, 2), at(2, 3), at(4, 5), at(0, 5), at(4, 0)]).toEqual([FIELD, FIELD, BUILT, NO_DATA, NO_DATA, NO_DATA]);
    expect(at(3, 3)).toBe(BUILT); // run over earlier
  });

  it('keeps the run alone without an earlier map or on another pixel grid', () => {
    const run = raster(3, 3, BUILT, gt, 'b');
    expect(mergeClassRasters(undefined, run)).toBe(run);
    expect(mergeClassRasters(raster(4, 4, FIELD, { ...gt, originX: gt.originX + 0.5 }, 'a'), run)).toBe(run);
  });
});
