import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { png, svgImage } from '../../../../data/src/frames/pixels';

// Crowns are laid into the frames' SVG as PNGs from this encoder: if librsvg could not read them, the trees would
// silently vanish from every frame.
describe('pixels laid into a frame', () => {
  const width = 7;
  const height = 5;
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 - (i % 9) * 20 : (i * 37) % 256));

  it('encodes a PNG that decodes to the same RGBA bytes', async () => {
    const decoded = await sharp(png(width, height, rgba)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width, height, channels: 4 });
    expect([...decoded.data]).toEqual([...rgba]);
  });

  it('is drawn by the SVG renderer where the <image> says', async () => {
    const solid = new Uint8Array(width * height * 4).fill(255);
    for (let i = 0; i < solid.length; i += 4) solid.set([200, 40, 10, 255], i);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="#fff"/>${svgImage(10, 8, width, height, solid)}</svg>`;
    const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
    expect(at(13, 10)).toEqual([200, 40, 10]);
    expect(at(3, 3)).toEqual([255, 255, 255]);
  });
});
