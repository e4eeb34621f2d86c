import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { hash32, Rng } from '../random';
import { paveGround } from './ground';
import { cameraLook } from './lens';
import type { Point } from '../territory/types';
import { FRAME_HEIGHT, FRAME_WIDTH, frameScene, TIMES_OF_DAY, type CameraView, type FrameBox, type TimeOfDay } from './scene';

export interface CameraInfo {
  id: string;
  name: string;
  zone: string;
  view: CameraView;
  lon: number;
  lat: number;
}

export interface FrameTruth {
  file: string;
  camera: string;
  timeOfDay: TimeOfDay;
  boxes: FrameBox[];
  counts: { person: number; vehicle: number };
}

export interface RenderedFrame {
  jpeg: Buffer;
  boxes: FrameBox[];
  counts: { person: number; vehicle: number };
}

/** Rasterises a frame scene (the backdrop paved in pixels, the rest laid over it) with a camera's look, then blur and JPEG. */
export async function renderFrame(seed: number, view: CameraView, time: TimeOfDay, crowd: number, look?: { blur: number; quality: number; brightness: number; saturation: number }): Promise<RenderedFrame> {
  const scene = frameScene(seed, view, time, crowd);
  const backdrop = await sharp(Buffer.from(scene.backdrop), { density: 72 }).removeAlpha().raw().toBuffer();
  paveGround(backdrop, FRAME_WIDTH, FRAME_HEIGHT, scene.ground);
  const raw = await sharp(backdrop, { raw: { width: FRAME_WIDTH, height: FRAME_HEIGHT, channels: 3 } })
    .composite([{ input: Buffer.from(scene.svg), density: 72 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  let img = sharp(cameraLook(raw, FRAME_WIDTH, FRAME_HEIGHT, seed, time), { raw: { width: FRAME_WIDTH, height: FRAME_HEIGHT, channels: 3 } });
  img = img.modulate({ brightness: look?.brightness ?? 1, saturation: look?.saturation ?? 1 });
  if ((look?.blur ?? 0.5) >= 0.3) img = img.blur(look?.blur ?? 0.5);
  const jpeg = await img.jpeg({ quality: look?.quality ?? 82, mozjpeg: false }).toBuffer();
  return { jpeg, boxes: scene.boxes, counts: scene.counts };
}

/** The demo cameras: the church square and the high street of the main village. */
export function demoCameras(anchor: (p: Point) => [number, number], village: Point): CameraInfo[] {
  const pos = (du: number, dv: number) => anchor([village[0] + du, village[1] + dv]);
  const [lon1, lat1] = pos(25, -10);
  const [lon2, lat2] = pos(-60, 20);
  return [
    { id: 'cam-place-eglise', name: "Place de l'Église", zone: 'centre-bourg', view: 'place', lon: round(lon1), lat: round(lat1) },
    { id: 'cam-grande-rue', name: 'Grande Rue', zone: 'centre-bourg', view: 'rue', lon: round(lon2), lat: round(lat2) },
  ];
}

const round = (x: number) => Math.round(x * 1e7) / 1e7;

/** Crowd size for a time of day: quiet mornings and evenings, busy afternoons, up to 60. */
export function crowdFor(rng: Rng, time: TimeOfDay): number {
  const peak = { matin: 14, midi: 40, 'apres-midi': 60, soir: 22 }[time];
  return Math.min(60, Math.round(peak * rng.next() ** 1.3));
}

export async function renderFrames(opts: {
  seed: number;
  outDir: string;
  framesPerCamera: number;
  anchor: (p: Point) => [number, number];
  village: Point;
  onFrame?: (label: string) => void;
}): Promise<{ cameras: CameraInfo[]; count: number; width: number; height: number }> {
  mkdirSync(opts.outDir, { recursive: true });
  const cameras = demoCameras(opts.anchor, opts.village);
  const truth: FrameTruth[] = [];
  for (const cam of cameras) {
    // One fixed viewpoint per camera: the scene seed's layout part stays, people and cars change.
    const viewSeed = hash32(opts.seed, cam.id.length, 7);
    for (let i = 0; i < opts.framesPerCamera; i++) {
      const time = TIMES_OF_DAY[i % TIMES_OF_DAY.length]!;
      const rng = new Rng(hash32(opts.seed, i, cam.id.length));
      const crowd = crowdFor(rng, time);
      const frame = await renderFrame(viewSeed * 1000 + i, cam.view, time, crowd);
      const file = `${cam.id}-${String(i).padStart(3, '0')}.jpg`;
      writeFileSync(join(opts.outDir, file), frame.jpeg);
      truth.push({ file, camera: cam.id, timeOfDay: time, boxes: frame.boxes, counts: frame.counts });
      opts.onFrame?.(`caméra ${cam.name}`);
    }
  }
  writeFileSync(join(opts.outDir, 'truth.json'), JSON.stringify({ width: FRAME_WIDTH, height: FRAME_HEIGHT, frames: truth }, null, 1) + '\n');
  return { cameras, count: truth.length, width: FRAME_WIDTH, height: FRAME_HEIGHT };
}
