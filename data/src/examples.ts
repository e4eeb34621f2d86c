import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import sharp from 'sharp';
import { landcoverColor } from './landcover';
import { readManifest } from './territory';
import { buildTerritory } from './territory/layout';

/**
 * Writes the README's example PNGs from a generated territory:
 * tsx data/src/examples.ts <demoDir> [data/examples]
 */
const demoDir = process.argv[2] ?? '.vigie/demo';
const outDir = process.argv[3] ?? 'data/examples';
const manifest = readManifest(demoDir);
if (!manifest) throw new Error(`no manifest.json in ${demoDir}`);
mkdirSync(outDir, { recursive: true });
const territory = buildTerritory({ seed: manifest.seed, sizeM: manifest.sizeM });
const site = territory.changeSites.find((s) => s.kind === 'lotissement')!;
const crop = 1024;
const col0 = Math.max(0, Math.min(manifest.width - crop, Math.round(site.center[0] / manifest.gsd) - crop / 2));
const row0 = Math.max(0, Math.min(manifest.height - crop, Math.round(site.center[1] / manifest.gsd) - crop / 2));
const window = [col0, row0, col0 + crop, row0 + crop];
for (const v of manifest.vintages) {
  const image = await (await fromFile(join(demoDir, v.ortho))).getImage();
  const rgb = (await image.readRasters({ window, interleave: true })) as unknown as Uint8Array;
  await sharp(Buffer.from(rgb), { raw: { width: crop, height: crop, channels: 3 } }).resize(768).png({ compressionLevel: 9, palette: true, quality: 90, dither: 0.6 }).toFile(join(outDir, `ortho-${v.year}.png`));
}
const last = manifest.vintages[manifest.vintages.length - 1]!;
const lc = await (await fromFile(join(demoDir, last.landcover))).getImage();
const ids = (await lc.readRasters({ window, interleave: true })) as unknown as Uint8Array;
const colored = Buffer.alloc(crop * crop * 3);
for (let i = 0; i < ids.length; i++) colored.set(landcoverColor(ids[i]!), i * 3);
await sharp(colored, { raw: { width: crop, height: crop, channels: 3 } }).resize(768, 768, { kernel: 'nearest' }).png({ compressionLevel: 9, palette: true }).toFile(join(outDir, `landcover-${last.year}.png`));
const truth = JSON.parse(readFileSync(join(demoDir, 'frames/truth.json'), 'utf8')) as { frames: { file: string; camera: string }[] };
for (const cam of manifest.cameras) {
  const frame = truth.frames.filter((f) => f.camera === cam.id)[2]!;
  await sharp(join(demoDir, 'frames', frame.file)).png({ compressionLevel: 9 }).toFile(join(outDir, `camera-${cam.id}.png`));
}
console.log(`examples written to ${outDir}`);
