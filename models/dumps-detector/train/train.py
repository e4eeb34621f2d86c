#!/usr/bin/env python3
"""Trains Vigie's baseline illegal-dump detector on the generator's training set and exports it.

A tiny anchor-free, CenterNet-style detector: one head at stride 8 (a small FPN brings the stride-16
and stride-32 context back to it) predicts a centre heat map, the box size and the sub-cell offset.
The export decodes in the graph into the Ultralytics `yolov8` layout [1, 4 + nc, N] (cx, cy, w, h in
input pixels, sigmoided scores, no objectness) with N = (512 / 8)², so Vigie's runtime reads it like
any YOLOv8 export. A 3 × 3 max-pool keeps only local peaks of the heat map, so one dump gives one box.

    /usr/bin/python3 models/dumps-detector/train/train.py --data .vigie/training/dumps/train
"""
import glob
import math
import os
import time

import numpy as np
import torch
from PIL import Image
from torch import nn
import torch.nn.functional as F

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "common"))
from training import resume_from_graph, set_seeds, write_card, cbr, sha256, export_onnx, load_sets as load_sets_with, save_and_export, seeded, train, training_args  # noqa: E402

SIZE = 512
STRIDE = 8
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)


class DumpNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 2), cbr(16, 24, 2))  # stride 4
        self.s8 = nn.Sequential(cbr(24, 40, 2), cbr(40, 40))
        self.s16 = nn.Sequential(cbr(40, 64, 2), cbr(64, 64))
        self.s32 = nn.Sequential(cbr(64, 96, 2), cbr(96, 96))
        self.lat32 = nn.Conv2d(96, 64, 1)
        self.fuse16 = cbr(64, 64)
        self.lat16 = nn.Conv2d(64, 40, 1)
        self.fuse8 = cbr(40, 48)
        self.head = nn.Sequential(cbr(48, 48), nn.Conv2d(48, 5, 1))
        nn.init.constant_(self.head[1].bias[:1], -4.0)  # heat-map prior ~ 2 %

    def forward(self, x):
        p8 = self.s8(self.stem(x))
        p16 = self.s16(p8)
        p32 = self.s32(p16)
        f16 = self.fuse16(p16 + F.interpolate(self.lat32(p32), scale_factor=2.0, mode="nearest"))
        f8 = self.fuse8(p8 + F.interpolate(self.lat16(f16), scale_factor=2.0, mode="nearest"))
        return self.head(f8)  # [B, 5, H/8, W/8]: heat logit, offset x/y, log size w/h


class Yolov8Export(nn.Module):
    """Raw head -> [1, 5, N]: cx, cy, w, h (input px), peak-filtered sigmoid score."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images):
        out = self.net(images)
        b, _, h, w = out.shape
        score = torch.sigmoid(out[:, :1])
        peak = (F.max_pool2d(score, 3, 1, 1) == score).to(score.dtype)
        score = score * peak
        ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        grid = torch.stack((xs, ys), 0).unsqueeze(0).to(out.dtype)
        centre = (grid + torch.sigmoid(out[:, 1:3])) * STRIDE
        size = torch.exp(out[:, 3:5].clamp(-3, 5)) * STRIDE
        return torch.cat([centre, size, score], 1).reshape(b, 5, h * w)


def load_set(root):
    images, boxes = [], []
    for path in sorted(glob.glob(os.path.join(root, "images", "*.jpg"))):
        name = os.path.splitext(os.path.basename(path))[0]
        label = os.path.join(root, "labels", name + ".txt")
        if not os.path.exists(label):
            continue  # the generator is still writing this one
        try:
            img = np.asarray(Image.open(path).convert("RGB"))
        except OSError:
            continue
        rows = [list(map(float, line.split()[1:])) for line in open(label) if line.strip()]
        b = np.array(rows, dtype=np.float32).reshape(-1, 4) * SIZE  # cx cy w h px
        xyxy = np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], 1)
        images.append(img)
        boxes.append(xyxy)
    return np.stack(images), boxes


def gaussian_radius(w, h):
    return max(0.6, 0.15 * math.sqrt(w * h) / STRIDE)


def make_batch(images, boxes, idx, crop, rng):
    g = crop // STRIDE
    x = np.empty((len(idx), 3, crop, crop), np.float32)
    heat = np.zeros((len(idx), 1, g, g), np.float32)
    reg = np.zeros((len(idx), 4, g, g), np.float32)
    mask = np.zeros((len(idx), 1, g, g), np.float32)
    for k, i in enumerate(idx):
        ox, oy = rng.integers(0, SIZE - crop + 1, 2) if crop < SIZE else (0, 0)
        ox, oy = int(ox) // STRIDE * STRIDE, int(oy) // STRIDE * STRIDE
        img = images[i, oy:oy + crop, ox:ox + crop]
        b = boxes[i].copy()
        b[:, [0, 2]] -= ox
        b[:, [1, 3]] -= oy
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        c = np.clip(b, 0, crop)
        inside = (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
        b = c[inside >= 0.4 * np.maximum(area, 1e-6)]
        # flips and quarter turns: aerial views have no up
        if rng.random() < 0.5:
            img = img[:, ::-1]
            b[:, [0, 2]] = crop - b[:, [2, 0]]
        if rng.random() < 0.5:
            img = img[::-1]
            b[:, [1, 3]] = crop - b[:, [3, 1]]
        if rng.random() < 0.5:
            img = img.transpose(1, 0, 2)
            b = b[:, [1, 0, 3, 2]]
        x[k] = img.transpose(2, 0, 1) / 255.0
        for x0, y0, x1, y1 in b:
            w, h = x1 - x0, y1 - y0
            if w < 2 or h < 2:
                continue
            cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
            gx, gy = min(int(cx), g - 1), min(int(cy), g - 1)
            r = gaussian_radius(w, h)
            ys, xs = np.ogrid[:g, :g]
            blob = np.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * r * r))
            heat[k, 0] = np.maximum(heat[k, 0], blob)
            reg[k, :, gy, gx] = [cx - gx, cy - gy, math.log(w / STRIDE), math.log(h / STRIDE)]
            mask[k, 0, gy, gx] = 1
    # photometric jitter, per image
    gain = rng.uniform(0.8, 1.2, (len(idx), 3, 1, 1)).astype(np.float32)
    x = np.clip(x * gain + rng.uniform(-0.06, 0.06, (len(idx), 1, 1, 1)).astype(np.float32), 0, 1)
    return [torch.from_numpy(a) for a in (x, heat, reg, mask)]


def focal_loss(logit, heat):
    p = torch.sigmoid(logit).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1).float()
    neg = 1 - pos
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * neg
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def export(net, path):
    sha = export_onnx(Yolov8Export(net), torch.rand(1, 3, SIZE, SIZE), path, "images", "output0")
    try:  # Ultralytics-style metadata, so other tools recognise the layout
        import onnx
        m = onnx.load(path)
        for k, v in {"names": "{0: 'depot_sauvage'}", "imgsz": f"[{SIZE}, {SIZE}]", "stride": str(STRIDE), "task": "detect"}.items():
            m.metadata_props.add(key=k, value=v)
        onnx.save(m, path)
    except ImportError:
        return sha
    return sha256(path)


def main():
    args = training_args(MODEL_DIR, ".vigie/training/dumps/train", steps=1500, batch=12, crop=256, lr=3e-3).parse_args()
    rng = seeded(args)
    t0 = time.time()
    images, boxes = load_sets_with(args.data, load_set)
    print(f"{len(images)} chips, {sum(len(b) for b in boxes)} dumps, loaded in {time.time() - t0:.0f} s", flush=True)
    net = DumpNet()
    if args.resume_graph:
        resume_from_graph(net, args.resume_graph, torch.rand(1, 3, SIZE, SIZE))

    def step_loss(step):
        x, heat, reg, mask = make_batch(images, boxes, rng.integers(0, len(images), args.batch), args.crop, rng)
        out = net(x)
        l_heat = focal_loss(out[:, :1], heat)
        n = mask.sum().clamp(min=1)
        l_off = (F.l1_loss(torch.sigmoid(out[:, 1:3]), reg[:, :2], reduction="none") * mask).sum() / n
        l_size = (F.l1_loss(out[:, 3:5], reg[:, 2:], reduction="none") * mask).sum() / n
        return l_heat + l_off + 0.5 * l_size, f"(heat {l_heat.item():.3f} off {l_off.item():.3f} size {l_size.item():.3f})"

    minutes = train(net, args, step_loss)
    sha = save_and_export(net, args, MODEL_DIR, export)
    write_model_card(args, len(images), sha, minutes)
    print(f"trained in {minutes:.1f} min, exported {os.path.join(args.out, 'model.onnx')}")


def write_model_card(args, chips, sha, minutes):
    card = {
        "id": "dumps-detector",
        "version": "1.0.0",
        "task": "detection",
        "description": "Baseline de démonstration : détecteur de dépôts sauvages appris sur l'imagerie générée (pas sur des orthophotos réelles).",
        "input": {"name": "images", "width": SIZE, "height": SIZE, "channels": 3, "channelOrder": "RGB",
                  "scale": "1/255", "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "letterbox-center",
                  "padValue": 114, "gsd": 0.2},
        "output": {"name": "output0", "format": "yolov8", "strides": [STRIDE]},
        "classes": [{"id": 0, "name": "depot_sauvage", "label": "Dépôt sauvage"}],
        "thresholds": {"score": 0.3, "iou": 0.45},
    }
    write_card(args, card, f"@vigie/data generateTrainingSet task=dumps split=train count={chips} {set_seeds(args.data)} (512 px chips at 0.20 m), "
                    f"random {args.crop} px crops, flips and quarter turns", minutes, sha)


if __name__ == "__main__":
    main()
