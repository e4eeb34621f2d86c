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

A net trained with `--upscale k` is calibrated, and exported, behind the graph's own enlargement of the frame
(train.Enlarge): the calibration sees what Vigie will run, and first checks that enlargement against PIL's.
`--resume-graph` takes the net's weights from an exported graph instead of a checkpoint (checkpoints are git-ignored).

    /usr/bin/python3 models/crowd-counter/train/calibrate.py --data .vigie/training/crowd/train --frames 200 --flips horizontal
"""
import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import HEIGHT, MODEL_DIR, WIDTH, CrowdNet, DensityExport, export_onnx, load_set  # noqa: E402
from training import record_calibration, resume_from_graph  # noqa: E402

GAINS = np.linspace(0.9, 1.15, 51)


class CalibratedExport(nn.Module):
    def __init__(self, density, floor, gain):
        super().__init__()
        self.density = density
        self.register_buffer("floor", torch.tensor(floor, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("gain", torch.tensor(gain, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x):
        d = self.density(x)
        return d * (d > self.floor).to(d.dtype) * self.gain


def check_enlargement(enlarge, frame, k):
    """The graph's enlargement must be the one the net trained on (PIL's Lanczos, train.make_batch)."""
    h, w = frame.shape[:2]
    pil = np.asarray(Image.fromarray(frame).resize((w * k, h * k), Image.LANCZOS)).astype(np.float32)
    with torch.no_grad():
        ours = enlarge(torch.from_numpy(frame.transpose(2, 0, 1)[None].astype(np.float32) / 255.0))[0].numpy().transpose(1, 2, 0) * 255
    gap = np.abs(ours - pil)
    print(f"enlargement in the graph against PIL's: max {gap.max():.2f}, mean {gap.mean():.2f} grey levels", flush=True)
    if gap.max() > 3:
        raise SystemExit("the graph's enlargement is not PIL's Lanczos")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".vigie/training/crowd/train")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--checkpoint", default=".vigie/checkpoints/crowd-counter.pt")
    ap.add_argument("--resume-graph", help="the net's weights from this exported graph instead of --checkpoint")
    ap.add_argument("--upscale", type=int, default=1, help="as the net was trained (train.py --upscale): the graph enlarges the frame k times")
    ap.add_argument("--flips", choices=("none", "horizontal"), default="none", help="the card's runtime.flips the calibration is made for")
    ap.add_argument("--out", default=MODEL_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    images, points = load_set(args.data)
    images, points = images[: args.frames], points[: args.frames]
    net = CrowdNet()
    if args.resume_graph:
        resume_from_graph(net, args.resume_graph, torch.rand(1, 3, HEIGHT * args.upscale, WIDTH * args.upscale))
    else:
        net.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
    density = DensityExport(net, args.upscale).eval()
    if args.upscale > 1:
        check_enlargement(density.enlarge, images[0], args.upscale)
    passes = [False, True] if args.flips == "horizontal" else [False]
    maps = [[] for _ in passes]
    with torch.no_grad():
        for i in range(0, len(images), 8):
            x = torch.from_numpy(images[i:i + 8].transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
            for k, mirrored in enumerate(passes):
                d = density(torch.flip(x, [3]) if mirrored else x)
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
    sha = export_onnx(CalibratedExport(density, floors, gains), torch.rand(1, 3, HEIGHT, WIDTH), path, "input", "density")
    recipe = (f"/usr/bin/python3 models/crowd-counter/train/calibrate.py --data {args.data} --frames {args.frames}"
              + (f" --resume-graph {args.resume_graph}" if args.resume_graph else "") + (f" --upscale {args.upscale}" if args.upscale > 1 else "")
              + (f" --flips {args.flips}" if args.flips != "none" else ""))
    record_calibration(args.out, {"floors": floors, "gains": gains, "flips": args.flips, "frames": len(images), "data": args.data, "recipe": recipe},
                       sha, runtime={"flips": args.flips}, input_size=(WIDTH, HEIGHT))


if __name__ == "__main__":
    main()
