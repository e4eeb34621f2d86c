#!/usr/bin/env python3
"""Calibrates the trained counter on training frames (never the test split) and re-exports it.

A density net leaves a faint haze of mass on the background (façades, paving) that adds up over
15 000 cells to whole phantom people. This step finds, per class, the cell value below which mass is
dropped, minimising the count error on full training frames, and bakes it into the exported graph.

    /usr/bin/python3 models/crowd-counter/train/calibrate.py --data .vigie/training/crowd/train --frames 200
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import DENSITY_SCALE, HEIGHT, MODEL_DIR, WIDTH, CrowdNet, export_onnx, load_set  # noqa: E402
from training import record_calibration  # noqa: E402


class CalibratedExport(nn.Module):
    def __init__(self, net, floor):
        super().__init__()
        self.net = net
        self.register_buffer("floor", torch.tensor(floor, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x):
        d = torch.relu(self.net(x)) / DENSITY_SCALE
        return d * (d > self.floor).to(d.dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".vigie/training/crowd/train")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--checkpoint", default=".vigie/checkpoints/crowd-counter.pt")
    ap.add_argument("--out", default=MODEL_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    images, points = load_set(args.data)
    images, points = images[: args.frames], points[: args.frames]
    net = CrowdNet()
    net.load_state_dict(torch.load(args.checkpoint))
    net.eval()
    maps = []
    with torch.no_grad():
        for i in range(0, len(images), 8):
            x = torch.from_numpy(images[i:i + 8].transpose(0, 3, 1, 2).astype(np.float32) / 255.0)
            maps.append((torch.relu(net(x)) / DENSITY_SCALE).numpy())
    maps = np.concatenate(maps)
    truth = np.array([[np.sum(p[:, 0] == c) for c in (0, 1)] for p in points], np.float64)
    floors = []
    for c in (0, 1):
        best = (1e9, 0.0)
        for floor in [0.0] + list(np.geomspace(1e-4, 0.05, 40)):
            counts = (maps[:, c] * (maps[:, c] > floor)).sum((1, 2))
            mae = np.abs(counts - truth[:, c]).mean()
            best = min(best, (mae, float(floor)))
        print(f"class {c}: floor {best[1]:.5f}, MAE on {len(images)} training frames {best[0]:.3f} "
              f"(without floor {np.abs(maps[:, c].sum((1, 2)) - truth[:, c]).mean():.3f})")
        floors.append(best[1])
    path = os.path.join(args.out, "model.onnx")
    sha = export_onnx(CalibratedExport(net, floors), torch.rand(1, 3, HEIGHT, WIDTH), path, "input", "density")
    record_calibration(args.out, {"floors": floors, "frames": len(images), "data": args.data,
                                  "recipe": f"/usr/bin/python3 models/crowd-counter/train/calibrate.py --data {args.data} --frames {args.frames}"}, sha)

if __name__ == "__main__":
    main()
