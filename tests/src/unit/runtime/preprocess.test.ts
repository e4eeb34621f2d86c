import { describe, expect, it } from 'vitest';
import { preprocess, resizeBilinear, type RasterImage } from '@vigie/workers/runtime';
import { card } from './helpers';

/** 4 × 2 RGB: pixel i has R = i, G = 10 + i, B = 20 + i. */
const small: RasterImage = {
  data: Uint8Array.from({ length: 24 }, (_, k) => 10 * (k % 3) + Math.floor(k / 3)),
  width: 4,
  height: 2,
  bands: ['R', 'G', 'B'],
};

describe('preprocess', () => {
  it('letterboxes centred into NCHW with pad 114, channel order and scale from the card', async () => {
    const c = card({}, { width: 4, height: 4, channelOrder: 'BGR', scale: 1 });
    const { tensor, transform } = await preprocess(c, small);
    expect(tensor.dims).toEqual([1, 3, 4, 4]);
    expect(transform).toMatchObject({ scaleX: 1, scaleY: 1, padX: 0, padY: 1 });
    const data = tensor.data as Float32Array;
    const blue = [...data.subarray(0, 16)];
    expect(blue).toEqual([114, 114, 114, 114, 20, 21, 22, 23, 24, 25, 26, 27, 114, 114, 114, 114]);
    expect([...data.subarray(32, 48)].slice(4, 12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // red last
  });

  it('letterboxes top-left: padding only right and below', async () => {
    const c = card({}, { width: 4, height: 4, resize: 'letterbox-topleft', scale: 1 });
    const { tensor, transform } = await preprocess(c, small);
    expect(transform.padY).toBe(0);
    expect([...(tensor.data as Float32Array).subarray(0, 16)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 114, 114, 114, 114, 114, 114, 114, 114]);
  });

  it('applies scale then per-channel mean and std, padding included', async () => {
    const c = card({}, { width: 4, height: 4, scale: '1/255', mean: [0.5, 0, 0], std: [0.25, 1, 1] });
    const { tensor } = await preprocess(c, small);
    const data = tensor.data as Float32Array;
    expect(data[0]).toBeCloseTo((114 / 255 - 0.5) / 0.25, 5);
    expect(data[4 + 3]).toBeCloseTo((3 / 255 - 0.5) / 0.25, 5);
    expect(data[16 + 4]).toBeCloseTo(10 / 255, 6);
  });

  it('resizes with sharp (stretch) keeping a uniform colour', async () => {
    const uniform: RasterImage = { data: new Uint8Array(10 * 6 * 3).fill(200), width: 10, height: 6, bands: ['R', 'G', 'B'] };
    const { tensor, transform } = await preprocess(card({}, { width: 4, height: 4, resize: 'stretch', scale: 1 }), uniform);
    expect(transform).toMatchObject({ scaleX: 0.4, scaleY: 4 / 6, padX: 0, padY: 0 });
    expect([...(tensor.data as Float32Array)].every((v) => v === 200)).toBe(true);
  });

  it('picks bands by name from wider imagery (IRC order) and resizes 5-band rasters', async () => {
    const irc: RasterImage = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1, bands: ['NIR', 'R', 'G'] };
    const c = card({}, { width: 2, height: 1, channels: 2, channelOrder: ['R', 'NIR'], scale: 1, mean: [0, 0], std: [1, 1] });
    expect([...((await preprocess(c, irc)).tensor.data as Float32Array)]).toEqual([2, 5, 1, 4]);

    const five: RasterImage = { data: new Uint16Array(8 * 8 * 5).fill(1000), width: 8, height: 8, bands: ['R', 'G', 'B', 'NIR', 'ELEVATION'] };
    const c5 = card({}, { width: 4, height: 4, channels: 5, channelOrder: ['R', 'G', 'B', 'NIR', 'ELEVATION'], scale: 1, mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1] });
    const { tensor } = await preprocess(c5, five);
    expect(tensor.dims).toEqual([1, 5, 4, 4]);
    expect([...(tensor.data as Float32Array)].every((v) => v === 1000)).toBe(true);
  });

  it('refuses a NIR model on RGB imagery, naming the missing band', async () => {
    const c = card({}, { channels: 4, channelOrder: ['R', 'G', 'B', 'NIR'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });
    await expect(preprocess(c, small)).rejects.toMatchObject({ code: 'missing_bands', message: expect.stringMatching(/manque : NIR/) });
  });

  it('refuses a buffer that does not match its size', async () => {
    await expect(preprocess(card(), { ...small, width: 5 })).rejects.toMatchObject({ code: 'invalid_image' });
  });
});

describe('resizeBilinear', () => {
  it('interpolates between pixel centres', () => {
    const out = resizeBilinear({ data: Float32Array.from([0, 100]), width: 2, height: 1, bands: ['R'] }, 4, 1);
    expect([...out]).toEqual([0, 25, 75, 100]);
  });

  it('keeps bytes as bytes, rounded, as sharp does for up to 4 bands', () => {
    const out = resizeBilinear({ data: Uint8Array.from([0, 10, 255, 1, 11, 255]), width: 2, height: 1, bands: ['R', 'G', 'B'] }, 4, 1);
    expect(out).toBeInstanceOf(Uint8Array);
    expect([...out]).toEqual([0, 10, 255, 0, 10, 255, 1, 11, 255, 1, 11, 255]);
  });
});
