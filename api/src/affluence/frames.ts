import { VigieError } from '../errors';

/**
 * Camera frames: what the API accepts, and the counter that turns a frame into counts. The counter (the
 * ONNX model and sharp) lives in @vigie/workers, which depends on this package; the process that serves
 * the API installs it with setFrameCounter() (workers/src/affluence: installFrameCounter()).
 *
 * A frame is only ever a Buffer in memory: decoded, counted and dropped. It is never written to disk, to
 * the database, to the queue or to a log (see preview.ts for the one place it lingers, in memory).
 */

/** Largest encoded frame accepted (the API's global body limit is the same 1 MiB). */
export const FRAME_MAX_BYTES = 1024 * 1024;
/** Largest decoded frame: 16 Mpx covers a 4K camera (8.3 Mpx) with room; more is a decompression bomb. */
export const FRAME_MAX_PIXELS = 16_000_000;

export type FrameType = 'image/jpeg' | 'image/png';
export const FRAME_TYPES: readonly FrameType[] = ['image/jpeg', 'image/png'];

export type ObjectKind = 'person' | 'vehicle';

/** A detected object in frame pixels (x right, y down). */
export interface FrameObject {
  kind: ObjectKind;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface FrameCount {
  people: number;
  vehicles: number;
  width: number;
  height: number;
  /** every person and vehicle found (boxes, or a density model's dense areas), inside the polygon or not: the preview blurs them all */
  objects: FrameObject[];
}

export interface FrameCounter {
  /** Counts people and vehicles; only objects whose box centre lies inside `polygon` (frame pixels) count. */
  count(frame: Uint8Array, polygon: [number, number][] | null): Promise<FrameCount>;
  /** The frame as a JPEG with every object (and a margin) blurred beyond recognition. */
  renderPreview(frame: Uint8Array, objects: FrameObject[]): Promise<Buffer>;
  close(): Promise<void>;
}

let loader: (() => Promise<FrameCounter>) | undefined;
let loaded: Promise<FrameCounter> | undefined;

/** Installs the process's counter, or a loader called on first use (the model loads once). */
export function setFrameCounter(counter: FrameCounter | (() => Promise<FrameCounter>) | undefined): void {
  loaded = undefined;
  loader = typeof counter === 'function' ? counter : counter ? async () => counter : undefined;
}

export async function frameCounter(): Promise<FrameCounter> {
  if (!loader) throw new VigieError('counting_unavailable', 'Le comptage n’est pas disponible sur ce serveur (aucun modèle de comptage chargé).', 503);
  if (!loaded) {
    const loading = loader();
    loaded = loading;
    loading.catch(() => {
      if (loaded === loading) loaded = undefined; // a failed load is retried on the next frame
    });
  }
  try {
    return await loaded;
  } catch (error) {
    if (error instanceof VigieError && error.status < 500) throw error;
    throw new VigieError('counting_unavailable', `Modèle de comptage indisponible : ${(error as Error).message}`, 503);
  }
}

/** Drops the installed counter and closes its sessions. */
export async function closeFrameCounter(): Promise<void> {
  const current = loaded;
  setFrameCounter(undefined);
  const counter = await current?.catch(() => undefined);
  await counter?.close();
}

/** The frame type a Content-Type header names, or a 415. */
export function frameType(contentType: string | undefined): FrameType {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'image/jpeg' || type === 'image/jpg') return 'image/jpeg';
  if (type === 'image/png') return 'image/png';
  throw new VigieError('unsupported_media_type', `Type de contenu ${type ? `« ${type.slice(0, 60)} » ` : ''}refusé : envoyer une image JPEG (image/jpeg) ou PNG (image/png).`, 415);
}

/** Checks the first bytes against the declared type: a frame that is not what it says is refused before decoding. */
export function assertFrameBytes(frame: Uint8Array, type: FrameType): void {
  if (frame.length === 0) throw new VigieError('empty_frame', 'Image vide.', 400);
  if (frame.length > FRAME_MAX_BYTES) throw frameTooLarge();
  const jpeg = frame[0] === 0xff && frame[1] === 0xd8 && frame[2] === 0xff;
  const png = frame[0] === 0x89 && frame[1] === 0x50 && frame[2] === 0x4e && frame[3] === 0x47;
  if ((type === 'image/jpeg' && !jpeg) || (type === 'image/png' && !png)) {
    throw new VigieError('invalid_image', `Le contenu n’est pas une image ${type === 'image/jpeg' ? 'JPEG' : 'PNG'} valide.`, 400);
  }
}

export const frameTooLarge = () => new VigieError('frame_too_large', `Image trop volumineuse (au plus ${FRAME_MAX_BYTES / 1024} Kio).`, 413);

export const frameTooManyPixels = (width: number, height: number) =>
  new VigieError('frame_too_many_pixels', `Image de ${width} × ${height} pixels refusée (au plus ${FRAME_MAX_PIXELS / 1e6} Mpx).`, 413);
