import { encodeTile } from '../geotiff/writer';
import { buildTerritory, vintageScene, type Territory } from '../territory/layout';
import { prepareScene, renderWindow, type PreparedScene } from './ortho';

/** One GeoTIFF tile of one vintage: what a worker thread is asked to render. */
export interface TileJob {
  id: number;
  seed: number;
  sizeM: number;
  vintage: number;
  col0: number;
  row0: number;
  width: number;
  height: number;
  tileSize: number;
  gsd: number;
  level: number;
}

export interface TileResult {
  id: number;
  ortho: Uint8Array;
  landcover: Uint8Array;
}

let territory: { key: string; value: Territory } | undefined;
const scenes = new Map<string, PreparedScene>();

/** Renders and encodes a tile. Territories and scenes are cached per thread (same seed, same size). */
export function renderTileJob(job: TileJob): TileResult {
  const key = `${job.seed}/${job.sizeM}`;
  if (territory?.key !== key) {
    territory = { key, value: buildTerritory({ seed: job.seed, sizeM: job.sizeM }) };
    scenes.clear();
  }
  const sceneKey = `${key}/${job.vintage}`;
  let prepared = scenes.get(sceneKey);
  if (!prepared) {
    prepared = prepareScene(vintageScene(territory.value, job.vintage), job.gsd);
    scenes.set(sceneKey, prepared);
  }
  const r = renderWindow(prepared, job.col0, job.row0, job.width, job.height);
  const ts = job.tileSize;
  // Edge tiles are padded to the full tile size, as TIFF requires.
  const rgb = new Uint8Array(ts * ts * 3);
  const cls = new Uint8Array(ts * ts).fill(255);
  for (let y = 0; y < r.height; y++) {
    rgb.set(r.rgb.subarray(y * r.width * 3, (y + 1) * r.width * 3), y * ts * 3);
    cls.set(r.classes.subarray(y * r.width, (y + 1) * r.width), y * ts);
  }
  return { id: job.id, ortho: encodeTile(rgb, ts, 3, job.level), landcover: encodeTile(cls, ts, 1, job.level) };
}
