import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderFrame } from '../../../../data/src/frames/render';
import { type Drawable, foliage, FRAME_HEIGHT, FRAME_WIDTH, frameScene, TIMES_OF_DAY, visible } from '../../../../data/src/frames/scene';

const W = FRAME_WIDTH;
const H = FRAME_HEIGHT;

/** A 20 × 60 px standing person at (x, y) of the top of the head, z metres away. */
function person(x: number, y: number, z: number): Drawable {
  const key: Drawable['key'] = [[x - 4, y, x + 4, y + 9]];
  return {
    z,
    svg: '',
    box: { cls: 'person', x: x - 10, y, w: 20, h: 60 },
    key,
    shape: [...key, [x - 10, y + 9, x + 10, y + 30], [x - 6, y + 30, x + 6, y + 60]],
  };
}

function van(x0: number, y0: number, x1: number, y1: number, z: number): Drawable {
  return { z, svg: '', box: { cls: 'vehicle', x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, shape: [[x0, y0, x1, y1]] };
}

/** Drawables as the scene sorts them: far to near. */
const farToNear = (ds: Drawable[]) => [...ds].sort((a, b) => b.z - a.z);

describe('camera frame labels', () => {
  it('leave out a person hidden behind a van, keep one whose head shows above a car', () => {
    const behindVan = person(300, 200, 20);
    const headAboveCar = person(100, 200, 20);
    const aVan = van(280, 180, 330, 280, 10);
    const aCar = van(80, 212, 130, 280, 10);
    const shown = visible(farToNear([behindVan, headAboveCar, aVan, aCar]), W, H);
    expect(shown.has(behindVan)).toBe(false);
    expect(shown.has(headAboveCar)).toBe(true);
    expect(shown.has(aVan) && shown.has(aCar)).toBe(true);
  });

  it('count the front one of two people in line, and the one behind when half of it shows', () => {
    const front = person(200, 100, 8);
    const inLine = person(200, 105, 12);
    const beside = person(212, 105, 12);
    const shown = visible(farToNear([front, inLine, beside]), W, H);
    expect(shown.has(front)).toBe(true);
    expect(shown.has(inLine)).toBe(false);
    expect(shown.has(beside)).toBe(true);
  });

  it('leave out an object mostly outside the frame', () => {
    const edge = person(W + 6, 100, 10); // a sliver of an arm in the frame
    const inside = person(W - 12, 100, 10);
    const shown = visible(farToNear([edge, inside]), W, H);
    expect(shown.has(edge)).toBe(false);
    expect(shown.has(inside)).toBe(true);
  });

  it('label only what is counted, so boxes and counts agree', () => {
    for (let seed = 0; seed < 12; seed++) {
      const f = frameScene(500 + seed, seed % 2 ? 'rue' : 'place', 'midi', 55);
      expect(f.counts.person).toBe(f.boxes.filter((b) => b.cls === 'person').length);
      expect(f.counts.person).toBeGreaterThan(20); // a packed square is still mostly in sight
      expect(f.counts.person).toBeLessThanOrEqual(55);
    }
  });
});

describe('camera frame looks', () => {
  it('never move what is labelled: the boxes and counts of these frames are those of generator v3', async () => {
    // A look (textures, optics, palette) must leave the layout alone, or the models' labels drift from what
    // they learned; the digest was taken on generator v3 and holds for v4 to v8 (v6: pixel foliage, grain; v8
    // hides behind a crown what its leaves cover, which moves none of these eight frames' labels).
    const digest = createHash('sha256');
    for (let i = 0; i < 8; i++) {
      const frame = await renderFrame(1000 + i, i % 2 ? 'rue' : 'place', TIMES_OF_DAY[i % 4]!, 5 + i * 7);
      digest.update(JSON.stringify([frame.boxes, frame.counts]));
    }
    expect(digest.digest('hex')).toBe('9aa562652656d83bd4ed08520f28caaa9ad8eb5453ec2874871ced49ff4a86cc');
  });
});

describe('camera frame labels under a tree', () => {
  // a crown of radius 40 px centred at (300, 150), as a plane tree 12 m away draws it
  const crown = foliage(300, 150, 40, 7, { shadowDx: 0.5, shadowOpacity: 0.5 });

  it('hide exactly what the leaves cover where they are at least half opaque', async () => {
    const [, x, y, size, base64] = /<image x="([\d.-]+)" y="([\d.-]+)" width="(\d+)" height="\d+" href="data:image\/png;base64,([^"]+)"/.exec(crown.svg)!;
    const alpha = await sharp(Buffer.from(base64!, 'base64')).extractChannel(3).raw().toBuffer();
    const covered = new Set(crown.cover.flatMap(([x0, y0, x1]) => Array.from({ length: x1 - x0 }, (_, k) => `${x0 - Number(x) + k},${y0 - Number(y)}`)));
    let opaque = 0;
    for (let i = 0; i < alpha.length; i++) {
      const at = `${i % Number(size)},${Math.floor(i / Number(size))}`;
      expect(covered.has(at)).toBe(alpha[i]! >= 128);
      if (alpha[i]! >= 128) opaque++;
    }
    expect(opaque).toBeGreaterThan(1000);
  });

  it('count a passer-by whose legs show under the leaves, not one behind the middle of the crown', () => {
    const tree: Drawable = { z: 12, svg: crown.svg, shape: crown.cover };
    const underneath = person(300, 175, 20); // head and shoulders in the lower leaves, legs in the open
    const behind = person(300, 125, 20); // head, torso and hips in the middle of the crown
    const shown = visible(farToNear([underneath, behind, tree]), W, H);
    expect(shown.has(underneath)).toBe(true);
    expect(shown.has(behind)).toBe(false);
  });
});
