import type { RasterImage } from '@vigie/workers/runtime';

/** A deterministic textured image (a multiplicative hash of each sample's index), 8-bit or 16-bit. */
export function texture(width: number, height: number, bands: RasterImage['bands'] = ['R', 'G', 'B'], depth: 8 | 16 = 8): RasterImage {
  const data = depth === 8 ? new Uint8Array(width * height * bands.length) : new Uint16Array(width * height * bands.length);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width, height, bands };
}
