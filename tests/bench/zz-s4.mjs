// tests/bench/zz-scratch4.ts
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { listModelFolders } from "@vigie/workers/models";
import { preprocess, rasterFromEncoded } from "@vigie/workers/runtime";
var MODELS = resolve(import.meta.dirname, "../../models");
var folder = (await listModelFolders(MODELS)).find((f) => f.card.task === "detection");
var dir = "/tmp/zz-2uPmKN/images";
var rasters = await Promise.all(readdirSync(dir).slice(0, 4).map((f) => rasterFromEncoded(readFileSync(join(dir, f)))));
var spare;
for (let k = 0; k < 3; k++) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) spare = (await preprocess(folder.card, rasters[i % 4], spare)).tensor.data;
  console.log("preprocess ms", ((performance.now() - t) / 200).toFixed(3));
}
