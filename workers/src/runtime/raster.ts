import sharp from 'sharp';
import type { GeoTIFFImage } from 'geotiff';
import { VigieError } from '@vigie/api/errors';
import { alphaSample, readTiffWindow } from '@vigie/api/geo';
import type { Band } from './card';

/** Pixels interleaved (HWC), one named band per channel: what every model input is cut from. */
export interface RasterImage {
  data: Uint8Array | Uint16Array | Float32Array;
  width: number;
  height: number;
  /** band of each interleaved channel, e.g. ['R', 'G', 'B'] or, for IGN IRC, ['NIR', 'R', 'G'] */
  bands: readonly Band[];
  /** 1 where the image has data, 0 where its alpha is 0 or every band holds the GDAL no-data value; absent: all data */
  valid?: Uint8Array;
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
 * Pixels outside the imagery (alpha 0, or the GDAL no-data value in every band) are marked in `valid`.
 */
export async function rasterFromGeoTiff(image: GeoTIFFImage, window: PixelWindow, names?: readonly (Band | null)[]): Promise<RasterImage> {
  const samples = image.getSamplesPerPixel();
  const given = names ?? (samples === 3 ? (['R', 'G', 'B'] as const) : undefined);
  if (!given || given.length !== samples) {
    throw new VigieError('unknown_bands', `Le GeoTIFF a ${samples} bandes : préciser leur ordre (par ex. R, G, B, NIR).`);
  }
  const named = given.flatMap((name, sample) => (name ? [sample] : []));
  const bands = given.filter((name): name is Band => name !== null);
  const alpha = alphaSample(image);
  // the alpha sample, when the file has one, is read last, for the mask only
  const read = alpha !== null && !named.includes(alpha) ? [...named, alpha] : named;
  const identity = read.length === samples && read.every((s, i) => s === i);
  const { x, y, width, height } = window;
  const raster = (await readTiffWindow(image, [x, y, x + width, y + height], identity ? undefined : read)) as unknown as ArrayLike<number>;
  const n = width * height, channels = bands.length, stride = read.length;
  let data: RasterImage['data'] =
    raster instanceof Uint8Array || raster instanceof Uint16Array || raster instanceof Float32Array ? raster : Float32Array.from(raster);
  let valid: Uint8Array | undefined;
  if (stride !== channels) {
    valid = new Uint8Array(n);
    const kept = new (data.constructor as Uint8ArrayConstructor)(n * channels);
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < channels; c++) kept[p * channels + c] = data[p * stride + c]!;
      valid[p] = data[p * stride + channels] === 0 ? 0 : 1;
    }
    data = kept;
  }
  const noData = image.getGDALNoData();
  if (noData !== null) {
    valid ??= new Uint8Array(n).fill(1);
    for (let p = 0; p < n; p++) {
      let all = true;
      for (let c = 0; c < channels && all; c++) all = data[p * channels + c] === noData;
      if (all) valid[p] = 0;
    }
  }
  return { data, width, height, bands, ...(valid ? { valid } : {}) };
}
