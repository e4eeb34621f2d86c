/**
 * ZAN benchmark: km² per hour through the land-cover path on this machine, against bare inference.
 *
 *   segmentation: the pipeline's chip path (window read, preprocess, session pool, logits decode to a
 *                 source-resolution class map, deflate for storage), pool size + 1 chips in flight
 *   aggregation:  the finalise path (seam-free mosaic, nomenclature with its thresholds, commune areas,
 *                 comparison with another vintage and change polygons, the map's tile pyramid)
 *   reference:    bare `session.run` on the same chips' prepared tensors, one session, times the card's
 *                 mirrored passes, scaled to the pool
 *
 * Run: pnpm bench (or tsx tests/bench/zan.ts). The demo territory is generated once into the temp folder.
 * ZAN_BENCH_WINDOW_PX sets the window's side (default 2048 px), ZAN_BENCH_FLIPS the mirrored passes (default: the card's).
 */
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { chipGrid, type GeoTransform } from '@vigie/api/geo';
import { type ClassRaster, classLookup } from '@vigie/api/zan';
import { ensureDemoTerritory } from '@vigie/data';
import { describeGeoTiff, openGeoTiff } from '@vigie/workers/imagery';
import { FINALISE_BYTES_PER_PIXEL } from '@vigie/workers/pipelines';
import { loadModel, measurePathOverhead, mosaicChipClassMaps, rasterFromGeoTiff, type ChipClassMap, type Flips } from '@vigie/workers/runtime';
import {
  artificialisedMask, classPalette, communeClassAreas, compareVintages, defaultNomenclature, landcoverTiles, pixelAreaM2, rasterisePolygons, renderLandcoverTile,
} from '@vigie/workers/zan';
type Polygon = { type: 'Polygon'; coordinates: number[][][] };
type MultiPolygon = { type: 'MultiPolygon'; coordinates: number[][][][] };
import { readFileSync } from 'node:fs';

const deflateAsync = promisify(deflate);
const MODEL_DIR = path.resolve(import.meta.dirname, '../../models/landcover-segmenter');
const WINDOW_PX = Number(process.env.ZAN_BENCH_WINDOW_PX ?? 2048);
const OVERLAP_PX = 64;
/** the card's mirrored passes by default; ZAN_BENCH_FLIPS=none (or horizontal) to compare */
const FLIPS = process.env.ZAN_BENCH_FLIPS as Flips | undefined;

export interface ZanBench {
  windowKm2: number;
  chips: number;
  bareMsPerChip: number;
  segmentationKm2PerHour: number;
  aggregationKm2PerHour: number;
  endToEndKm2PerHour: number;
  /** segmentation time per chip / (bare time per chip / sessions) */
  segmentationOverBare: number;
  /** ms per chip of bare runs with every session busy (measured) */
  bareBusyMsPerChip: number;
  /** segmentation time per chip / bareBusyMsPerChip */
  segmentationOverBusyBare: number;
  /** (segmentation + aggregation) / bare scaled to the pool */
  endToEndOverBare: number;
  /** array-buffer memory added during aggregation, per pixel of the window (beyond the chip maps) */
  aggregationBytesPerPixel: number;
}

export async function benchZan(log: (line: string) => void = console.log): Promise<ZanBench> {
  const demoDir = path.join(os.tmpdir(), 'vigie-demo-cache-1000m');
  const { manifest } = await ensureDemoTerritory({ outDir: demoDir, sizeM: 1000, seed: 42 });
  const model = await loadModel(MODEL_DIR, { skipChecksum: true, flips: FLIPS });
  const years = manifest.vintages.slice(-2);
  const rasters: ClassRaster[] = [];
  let segmentationMs = 0, aggregationMs = 0, bareMsPerChip = 0, bareBusyMsPerChip = 0, chipsCount = 0, windowKm2 = 0, peakBytes = 0, windowPixels = 0;
  const nomenclature = defaultNomenclature(model.card);
  const lookup = classLookup(nomenclature);
  const communesFc = JSON.parse(readFileSync(path.join(demoDir, manifest.communesFile), 'utf8')) as { features: { geometry: Polygon | MultiPolygon }[] };

  for (const vintage of years) {
    const file = path.join(demoDir, vintage.ortho);
    const info = await describeGeoTiff(file);
    const { image } = await openGeoTiff(file);
    const window = { x: 0, y: 0, width: Math.min(WINDOW_PX, info.width), height: Math.min(WINDOW_PX, info.height) };
    const chips = chipGrid({ ...window, chipSize: model.card.input.width, overlap: OVERLAP_PX });
    chipsCount = chips.length;
    windowKm2 = (window.width * window.height * pixelAreaM2(info.geoTransform)) / 1e6;

    // segmentation, as processChip does it
    let next = 0;
    const maps: ChipClassMap[] = [];
    let start = performance.now();
    const lane = async () => {
      while (next < chips.length) {
        const chip = chips[next++]!;
        const raster = await rasterFromGeoTiff(image, chip);
        const map = await model.segment(raster);
        await deflateAsync(map.classes, { level: 3 });
        maps.push({ chip, map });
      }
    };
    await Promise.all(Array.from({ length: model.pool.size + 1 }, lane));
    segmentationMs += performance.now() - start;

    // bare session.run on the same chips' prepared tensors (median per chip, same thread options)
    const sample = await Promise.all(chips.slice(0, 8).map((chip) => rasterFromGeoTiff(image, chip)));
    ({ bareMs: bareMsPerChip, bareBusyMs: bareBusyMsPerChip } = await measurePathOverhead(model, sample, 12));

    // aggregation, as finalise does it. Its typed arrays (outside the JS heap) are sampled after each step,
    // before a collection frees the step's scratch arrays: the peak seen is close to the step's own.
    const baseBytes = process.memoryUsage().arrayBuffers;
    const noteMemory = () => (peakBytes = Math.max(peakBytes, process.memoryUsage().arrayBuffers - baseBytes));
    start = performance.now();
    const mosaic = mosaicChipClassMaps(maps, window);
    noteMemory();
    const gt: GeoTransform = info.geoTransform;
    const raster: ClassRaster = { classes: mosaic.classes, width: window.width, height: window.height, geoTransform: gt, vintageId: vintage.year, runId: 'bench' };
    const artificialised = artificialisedMask(raster, nomenclature, pixelAreaM2(gt), lookup);
    const labels = rasterisePolygons(communesFc.features, gt, raster.width, raster.height);
    communeClassAreas(raster.classes, artificialised, labels, communesFc.features.length, pixelAreaM2(gt));
    noteMemory();
    const previous = rasters.at(-1);
    if (previous) {
      compareVintages({ raster: previous, artificialised: artificialisedMask(previous, nomenclature, pixelAreaM2(gt), lookup) }, { raster, artificialised }, { communeLabels: labels, minChangeM2: 100, lookup, polygons: true });
      noteMemory();
    }
    const palette = classPalette(nomenclature);
    for (const tile of landcoverTiles(raster)) await renderLandcoverTile(raster, palette, tile);
    aggregationMs += performance.now() - start;
    windowPixels = window.width * window.height;
    rasters.push(raster);
  }
  const sessions = model.pool.size;
  const passes = model.passes;
  await model.close();

  const km2 = windowKm2 * years.length;
  const perHour = (ms: number) => km2 / (ms / 3_600_000);
  // the card's mirrored passes are runs of the model too: bare inference does as many
  const bareScaledMs = ((bareMsPerChip * passes) / sessions) * chipsCount * years.length;
  const result: ZanBench = {
    windowKm2,
    chips: chipsCount,
    bareMsPerChip,
    segmentationKm2PerHour: perHour(segmentationMs),
    aggregationKm2PerHour: perHour(aggregationMs),
    endToEndKm2PerHour: perHour(segmentationMs + aggregationMs),
    segmentationOverBare: segmentationMs / bareScaledMs,
    bareBusyMsPerChip,
    segmentationOverBusyBare: segmentationMs / (bareBusyMsPerChip * chipsCount * years.length),
    endToEndOverBare: (segmentationMs + aggregationMs) / bareScaledMs,
    aggregationBytesPerPixel: peakBytes / windowPixels,
  };
  log(`zan: ${years.length} vintages × ${windowKm2.toFixed(3)} km² (${chipsCount} chips of ${model.card.input.width} px, ${sessions} sessions)`);
  log(`zan: bare inference ${bareMsPerChip.toFixed(0)} ms/run × ${passes} run(s) a chip (mirrored passes), one session scaled ×${sessions} → ${perHour(bareScaledMs).toFixed(1)} km²/h`);
  log(`zan: bare inference with every session busy (measured) ${bareBusyMsPerChip.toFixed(0)} ms/chip → ${perHour(bareBusyMsPerChip * chipsCount * years.length).toFixed(1)} km²/h`);
  log(`zan: segmentation ${result.segmentationKm2PerHour.toFixed(1)} km²/h (×${result.segmentationOverBare.toFixed(2)} bare scaled, ×${result.segmentationOverBusyBare.toFixed(2)} bare all sessions busy), aggregation ${result.aggregationKm2PerHour.toFixed(1)} km²/h, end to end ${result.endToEndKm2PerHour.toFixed(1)} km²/h (×${result.endToEndOverBare.toFixed(2)} bare)`);
  log(`zan: aggregation memory peak ${result.aggregationBytesPerPixel.toFixed(1)} B per pixel of the window beyond the chip maps (a finalise's sizing assumes ${FINALISE_BYTES_PER_PIXEL})`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  benchZan().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
