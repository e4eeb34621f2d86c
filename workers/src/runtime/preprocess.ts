import sharp from 'sharp';
import ort from 'onnxruntime-node';
import { VigieError } from '@vigie/api/errors';
import type { ModelCard } from './card';
import type { RasterImage } from './raster';

/**
 * How model-input pixels map back to source pixels: source = (input − pad) / scale, per axis.
 * Letterboxing keeps scaleX = scaleY; stretching does not.
 */
export interface LetterboxTransform {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
  sourceWidth: number;
  sourceHeight: number;
}

export interface PreprocessedInput {
  tensor: ort.Tensor;
  transform: LetterboxTransform;
}

/** Where the resized image sits in the model input, following the card's resize mode. */
export function letterboxTransform(card: ModelCard, sourceWidth: number, sourceHeight: number): LetterboxTransform {
  const { width, height, resize } = card.input;
  if (resize === 'stretch') {
    return { scaleX: width / sourceWidth, scaleY: height / sourceHeight, padX: 0, padY: 0, sourceWidth, sourceHeight };
  }
  const ratio = Math.min(width / sourceWidth, height / sourceHeight);
  const resizedWidth = Math.max(1, Math.round(sourceWidth * ratio));
  const resizedHeight = Math.max(1, Math.round(sourceHeight * ratio));
  // Ultralytics' rounding of the centred pad, so boxes land where its own predictor puts them.
  const centred = resize === 'letterbox-center';
  const padX = centred ? Math.max(0, Math.round((width - resizedWidth) / 2 - 0.1)) : 0;
  const padY = centred ? Math.max(0, Math.round((height - resizedHeight) / 2 - 0.1)) : 0;
  return { scaleX: resizedWidth / sourceWidth, scaleY: resizedHeight / sourceHeight, padX, padY, sourceWidth, sourceHeight };
}

/** Index in the source of each model channel, or a refusal naming the missing band. */
export function bandIndices(card: ModelCard, image: Pick<RasterImage, 'bands'>): number[] {
  const missing = card.input.channelOrder.filter((band) => !image.bands.includes(band));
  if (missing.length > 0) {
    throw new VigieError(
      'missing_bands',
      `Le modèle « ${card.id} » attend les bandes ${card.input.channelOrder.join(', ')} ; l'image n'a que ${image.bands.join(', ')} (manque : ${missing.join(', ')}).`,
    );
  }
  return card.input.channelOrder.map((band) => image.bands.indexOf(band));
}

/** Source image → NCHW float32 tensor [1, C, H, W] as the card describes, with the transform back. */
export async function preprocess(card: ModelCard, image: RasterImage): Promise<PreprocessedInput> {
  const { width: inW, height: inH, channels, scale, mean, std, padValue } = card.input;
  const sources = bandIndices(card, image);
  const bandCount = image.bands.length;
  if (image.data.length !== image.width * image.height * bandCount) {
    throw new VigieError('invalid_image', `Image incohérente : ${image.data.length} valeurs pour ${image.width}×${image.height}×${bandCount}.`);
  }
  const transform = letterboxTransform(card, image.width, image.height);
  const resizedWidth = Math.round(image.width * transform.scaleX);
  const resizedHeight = Math.round(image.height * transform.scaleY);
  const pixels = await resize(image, resizedWidth, resizedHeight);

  const plane = inW * inH;
  const out = new Float32Array(channels * plane);
  const padded = resizedWidth !== inW || resizedHeight !== inH;
  for (let c = 0; c < channels; c++) {
    // value = (pixel × scale − mean) / std, folded into one multiply-add per pixel
    const a = scale / std[c]!;
    const b = -mean[c]! / std[c]!;
    const base = c * plane;
    if (padded) out.fill(padValue * a + b, base, base + plane);
    const band = sources[c]!;
    if (pixels instanceof Uint8Array) {
      const lut = new Float32Array(256);
      for (let v = 0; v < 256; v++) lut[v] = v * a + b;
      for (let y = 0; y < resizedHeight; y++) {
        let src = y * resizedWidth * bandCount + band;
        let dst = base + (y + transform.padY) * inW + transform.padX;
        const end = dst + resizedWidth;
        for (; dst < end; dst++, src += bandCount) out[dst] = lut[pixels[src]!]!;
      }
    } else {
      for (let y = 0; y < resizedHeight; y++) {
        let src = y * resizedWidth * bandCount + band;
        let dst = base + (y + transform.padY) * inW + transform.padX;
        const end = dst + resizedWidth;
        for (; dst < end; dst++, src += bandCount) out[dst] = pixels[src]! * a + b;
      }
    }
  }
  return { tensor: new ort.Tensor('float32', out, [1, channels, inH, inW]), transform };
}

/** sharp for 8-bit images of up to 4 bands; a plain bilinear resize for deeper or wider rasters. */
async function resize(image: RasterImage, width: number, height: number): Promise<RasterImage['data']> {
  if (width === image.width && height === image.height) return image.data;
  const channels = image.bands.length;
  if (image.data instanceof Uint8Array && channels <= 4) {
    const buffer = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: channels as 1 | 2 | 3 | 4 } })
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  }
  return resizeBilinear(image, width, height);
}

/** Pixel-centre-aligned bilinear resize of interleaved data, any band count and sample type. */
export function resizeBilinear(image: RasterImage, width: number, height: number): Float32Array {
  const channels = image.bands.length;
  const { data, width: sw, height: sh } = image;
  const out = new Float32Array(width * height * channels);
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(Math.max(((x + 0.5) * sw) / width - 0.5, 0), sw - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x]! + 1, sw - 1);
    wxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * sh) / height - 0.5, 0), sh - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = sy - y0;
    const row0 = y0 * sw;
    const row1 = y1 * sw;
    for (let x = 0; x < width; x++) {
      const wx = wxs[x]!;
      const i00 = (row0 + x0s[x]!) * channels;
      const i01 = (row0 + x1s[x]!) * channels;
      const i10 = (row1 + x0s[x]!) * channels;
      const i11 = (row1 + x1s[x]!) * channels;
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * wx;
        const bottom = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * wx;
        out[o + c] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}
