import fs from 'node:fs';
import path from 'node:path';
import { generateTrainingSet } from '@vigie/data';
import { logger } from '@vigie/api/logger';
import { yoloBoxes } from '@vigie/workers/models';
import type { Detection } from '@vigie/workers/runtime';
import { tempDataDir } from '../../support/stack';

/** The shipped crowd model once it is trained, else a random fixture (counts only checked for consistency). */
export const CROWD_MODEL_DIR = path.resolve(import.meta.dirname, '../../../../models/crowd-counter');
export const FIXTURE_MODEL_DIR = path.resolve(import.meta.dirname, '../../../fixtures/models/random-yolov8');

export function countingModelDir(): { dir: string; trained: boolean } {
  const forced = process.env.VIGIE_TEST_COUNTING_MODEL; // e.g. tests/fixtures/models/random-density, to try the density path
  if (forced) return { dir: path.resolve(forced), trained: false };
  const trained = fs.existsSync(path.join(CROWD_MODEL_DIR, 'model.json')) && fs.existsSync(path.join(CROWD_MODEL_DIR, 'model.onnx'));
  return { dir: trained ? CROWD_MODEL_DIR : FIXTURE_MODEL_DIR, trained };
}

export interface TestFrame {
  jpeg: Buffer;
  counts: { person: number; vehicle: number };
  /** the labelled people's boxes, in frame pixels */
  people: Detection[];
}

/** Held-out camera frames with their true counts, generated in a temp dir outside Vigie's data dir. */
export async function testFrames(count: number, seed = 11): Promise<TestFrame[]> {
  const outDir = tempDataDir('vigie-frames-');
  const meta = await generateTrainingSet({ task: 'crowd', split: 'test', count, outDir, seed });
  const frames = meta.chips.map((chip) => ({
    jpeg: fs.readFileSync(path.join(outDir, chip.image)),
    counts: chip.counts!,
    people: yoloBoxes(fs.readFileSync(path.join(outDir, chip.label), 'utf8'), meta.imageSize).filter((box) => box.classId === 0), // class 0: person
  }));
  fs.rmSync(outDir, { recursive: true, force: true });
  return frames;
}

/** Every line the process logs from now on (all levels), kept in memory instead of written out. */
export function captureLogs(): { lines: string[]; restore(): void } {
  const streamSym = Object.getOwnPropertySymbols(logger).find((s) => s.description === 'pino.stream')!;
  const stream = (logger as unknown as Record<symbol, { write(chunk: string): boolean }>)[streamSym]!;
  const write = stream.write;
  const level = logger.level;
  const lines: string[] = [];
  stream.write = (chunk: string) => {
    lines.push(String(chunk));
    return true;
  };
  logger.level = 'trace';
  return {
    lines,
    restore() {
      stream.write = write;
      logger.level = level;
    },
  };
}

/** The ways a slice of an image could show up if someone stored or logged it: raw, hex, base64. */
export function imageNeedles(jpeg: Buffer): { raw: Buffer; text: string[] } {
  const middle = Math.floor(jpeg.length / 2);
  const raw = jpeg.subarray(middle, middle + 32);
  const text = [raw.toString('hex'), raw.toString('hex').toUpperCase()];
  // base64 of a buffer holding the slice: one of three alignments of it
  for (let shift = 0; shift < 3; shift++) {
    const slice = jpeg.subarray(middle + shift, middle + shift + 30);
    text.push(slice.toString('base64'), slice.toString('base64url'));
  }
  return { raw, text };
}

export function findIn(haystack: Buffer | string, needles: { raw: Buffer; text: string[] }): string | undefined {
  const buffer = typeof haystack === 'string' ? Buffer.from(haystack, 'latin1') : haystack;
  if (buffer.indexOf(needles.raw) >= 0) return 'raw bytes';
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return needles.text.find((n) => text.includes(n));
}

export function* filesUnder(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}
