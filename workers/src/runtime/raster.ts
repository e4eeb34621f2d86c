import sharp from 'sharp';
import type { GeoTIFFImage } from 'geotiff';
import { VigieError } from '@vigie/api/errors';
import { readTiffWindow } from '@vigie/api/geo';
import type { Band } from './card';

/** Pixels interleaved (HWC), one named band per channel: what every model input is cut from. */
export interface RasterImage {
  data: Uint8Array | Uint16Array | Float32Array;
  width: number;
  height: number;
  /** band of each interleaved channel, e.g. ['R', 'G', 'B'] or, for IGN IRC, ['NIR', 'R', 'G'] */
  bands: readonly Band[];
}

/** Largest image Vigie decodes (a 512 px chip is 0.26 Mpx; a camera frame a few Mpx). */
export const MAX_INPUT_PIXELS = 64_000_000;

/** Decodes an encoded image (JPEG, PNG, WebP, TIFF…) to RGB. Refuses decompression bombs. */
export async function rasterFromEncoded(input: Buffer | Uint8Array): Promise<RasterImage> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, bands: ['R', 'G', 'B'] };
  } catch (error) {
    throw new VigieError('invalid_image', `Image illisible ou trop grande : ${(error as Error).message}.`);
  }
}

export interface PixelWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Reads one window of a GeoTIFF / COG (never the whole mosaic). `names` says what each sample is, null for one
 * to skip (alpha); RGB files (3 samples) default to ['R', 'G', 'B'], anything else must be named by the caller.
 */
export async function rasterFromGeoTiff(image: GeoTIFFImage, window: PixelWindow, names?: readonly (Band | null)[]): Promise<RasterImage> {
  const samples = image.getSamplesPerPixel();
  const given = names ?? (samples === 3 ? (['R', 'G', 'B'] as const) : undefined);
  if (!given || given.length !== samples) {
    throw new VigieError('unknown_bands', `Le GeoTIFF a ${samples} bandes : préciser leur ordre (par ex. R, G, B, NIR).`);
  }
  const read = given.flatMap((name, sample) => (name ? [sample] : []));
  const bands = given.filter((name): name is Band => name !== null);
  const { x, y, width, height } = window;
  const raster = await readTiffWindow(image, [x, y, x + width, y + height], read.length === samples ? undefined : read);
  const data = raster as unknown as ArrayLike<number> & { BYTES_PER_ELEMENT?: number };
  if (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array) {
    return { data, width, height, bands };
  }
  return { data: Float32Array.from(data), width, height, bands };
}
