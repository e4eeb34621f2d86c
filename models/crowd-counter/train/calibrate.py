#!/usr/bin/env python3
"""Calibrates the trained counter on training frames (never the test split) and re-exports it.

A density net leaves a faint haze of mass on the background (façades, paving) that adds up over
15 000 cells to whole phantom people. This step finds, per class, the cell value below which mass is
dropped, and a gain on what is left, minimising the count error on full training frames, and bakes both
into the exported graph. The gain undoes a steady undercount (about half a person a frame before it): the
local-count loss is an absolute error, which pulls each window towards its median count, below its mean
where a window holds a few people at once.

With `--flips horizontal` the calibration is made on the mean of each frame and its mirror, which is what
Vigie runs when the card says `runtime.flips: horizontal` (written into the card here).

The frames are given at the card's input size (read from `--out`'s model.json): enlarged as in training when the
net was trained with `--upscale`.

    /usr/bin/python3 models/crowd-counter/train/calibrate.py --data .vigie/training/crowd/train --frames 200 --flips horizontal
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import DENSITY_SCALE, HEIGHT, MODEL_DIR, WIDTH, CrowdNet, export_onnx, load_set  # noqa: E402
from training import record_calibration  # noqa: E402

GAINS = np.linspace(0.9, 1.15, 51)


class CalibratedExport(nn.Module):
    def __init__(self, net, floor, gain):
        super().__init__()
        self.net = net
        self.register_buffer("floor", torch.tensor(floor, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("gain", torch.tensor(gain, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x):
        d = torch.relu(self.net(x)) / DENSITY_SCALE
        return d * (d > self.floor).to(d.dtype) * self.gain


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".vigie/training/crowd/train")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--checkpoint", default=".vigie/checkpoints/crowd-counter.pt")
    ap.add_argument("--flips", choices=("none", "horizontal"), default="none", help="the card's runtime.flips the calibration is made for")
    ap.add_argument("--out", default=MODEL_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    images, points = load_set(args.data)
    images, points = images[: args.frames], points[: args.frames]
    # the size the net was trained for, from its card (train.py --upscale): frames enlarged with Lanczos as train.py
    # enlarges its crops (Vigie's runtime enlarges them with sharp's Lanczos, a quarter pixel off PIL's)
    size = json.load(open(os.path.join(args.out, "model.json"), encoding="utf-8"))["input"]
    width, height = size["width"], size["height"]
    if (width, height) != (WIDTH, HEIGHT):
        images = np.stack([np.asarray(Image.fromarray(im).resize((width, height), Image.LANCZOS)) for im in images])
    net = CrowdNet()
    net.load_state_dict(torch.load(args.checkpoint))
    net.eval()
    passes = [False, True] if args.flips == "horizontal" else [False]
    maps = [[] for _ in passes]
    with torch.no_grad():
        for i in range(0, len(images), 8):
            x = torch.from_numpy(images[i:i + 8].transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
            for k, mirrored in enumerate(passes):
                d = torch.relu(net(torch.flip(x, [3]) if mirrored else x)) / DENSITY_SCALE
                maps[k].append((torch.flip(d, [3]) if mirrored else d).numpy())
    maps = [np.concatenate(m) for m in maps]
    truth = np.array([[np.sum(p[:, 0] == c) for c in (0, 1)] for p in points], np.float64)
    floors, gains = [], []
    for c in (0, 1):
        best = (1e9, 0.0, 1.0)
        for floor in [0.0] + list(np.geomspace(1e-4, 0.05, 40)):
            # the floor is applied to each pass in the graph, before Vigie averages the passes
            counts = np.mean([(m[:, c] * (m[:, c] > floor)).sum((1, 2)) for m in maps], 0)
            for gain in GAINS:
                best = min(best, (np.abs(counts * gain - truth[:, c]).mean(), float(floor), float(gain)))
        plain = np.abs(np.mean([m[:, c].sum((1, 2)) for m in maps], 0) - truth[:, c]).mean()
        print(f"class {c}: floor {best[1]:.5f}, gain {best[2]:.3f}, MAE on {len(images)} training frames {best[0]:.3f} "
              f"(without floor and gain {plain:.3f}), {len(passes)} pass(es)")
        floors.append(best[1])
        gains.append(round(best[2], 3))
    path = os.path.join(args.out, "model.onnx")
    sha = export_onnx(CalibratedExport(net, floors, gains), torch.rand(1, 3, height, width), path, "input", "density")
    recipe = f"/usr/bin/python3 models/crowd-counter/train/calibrate.py --data {args.data} --frames {args.frames}"
    record_calibration(args.out, {"floors": floors, "gains": gains, "flips": args.flips, "frames": len(images), "data": args.data,
                                  "recipe": recipe + (f" --flips {args.flips}" if args.flips != "none" else "")}, sha,
                       runtime={"flips": args.flips})


if __name__ == "__main__":
    main()
