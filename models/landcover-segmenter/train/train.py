#!/usr/bin/env python3
"""Trains Vigie's baseline land-cover segmenter on the generator's training set and exports it.

A small U-Net (encoder down to stride 32 for field and forest texture, skip connections back to
stride 2) trained on random 256 px crops; it is fully convolutional, so it is exported at 512 px.
The output is `segmentation-logits` [1, 12, 256, 256] at stride 2: Vigie's runtime samples the
logits bilinearly back to source pixels, which keeps building edges sharp at a quarter of the cost
of a full-resolution head. Classes and their 2023 nomenclature categories come from
data/landcover-classes.json.

    /usr/bin/python3 models/landcover-segmenter/train/train.py --data .vigie/training/landcover/train
"""
import glob
import json
import os
import time

import numpy as np
import torch
from PIL import Image
from torch import nn
import torch.nn.functional as F
from scipy import ndimage

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "common"))
from training import resume_from_graph, set_seeds, write_card, cbr, export_onnx, load_sets as load_sets_with, save_and_export, seeded, train, training_args  # noqa: E402

SIZE = 512
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(MODEL_DIR))
CLASSES = json.load(open(os.path.join(ROOT, "data", "landcover-classes.json"), encoding="utf-8"))
NC = len(CLASSES)
MEAN = [0.45, 0.45, 0.40]
STD = [0.22, 0.20, 0.20]


def dws(i, o):
    """Depthwise-separable 3 × 3: the cheap block for the stride-2 decoder."""
    return nn.Sequential(nn.Conv2d(i, i, 3, 1, 1, groups=i, bias=False), nn.Conv2d(i, o, 1, bias=False),
                         nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class LandcoverNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = cbr(3, 16, 2)                              # stride 2
        self.e2 = nn.Sequential(cbr(16, 32, 2), cbr(32, 32))  # 4
        self.e3 = nn.Sequential(cbr(32, 48, 2), cbr(48, 48))  # 8
        self.e4 = nn.Sequential(cbr(48, 64, 2), cbr(64, 64))  # 16
        self.e5 = nn.Sequential(cbr(64, 96, 2), cbr(96, 96))  # 32
        self.l5 = nn.Conv2d(96, 64, 1)
        self.d4 = cbr(64, 64)
        self.l4 = nn.Conv2d(64, 48, 1)
        self.d3 = cbr(48, 48)
        self.l3 = nn.Conv2d(48, 32, 1)
        self.d2 = dws(32, 32)
        self.l2 = nn.Conv2d(32, 16, 1)
        self.d1 = dws(16, 24)
        self.head = nn.Conv2d(24, NC, 1)

    def forward(self, x):
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")
        e1 = self.e1(x)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        e5 = self.e5(e4)
        d4 = self.d4(e4 + up(self.l5(e5)))
        d3 = self.d3(e3 + up(self.l4(d4)))
        d2 = self.d2(e2 + up(self.l3(d3)))
        d1 = self.d1(e1 + up(self.l2(d2)))
        return self.head(d1)  # logits at stride 2


def load_set(root):
    images, masks = [], []
    for path in sorted(glob.glob(os.path.join(root, "images", "*.jpg"))):
        name = os.path.splitext(os.path.basename(path))[0]
        mpath = os.path.join(root, "masks", name + ".png")
        if not os.path.exists(mpath):
            continue
        try:
            images.append(np.asarray(Image.open(path).convert("RGB")))
            masks.append(np.asarray(Image.open(mpath).convert("L")))
        except OSError:
            images = images[: len(masks)]
    return np.stack(images), np.stack(masks)


def focus_pixels(masks, keys, thin=0, per_chip=256):
    """For --focus: (chip index, up to per_chip pixels (y, x) of the named classes) for each chip holding any.
    With thin > 0, only pixels of regions narrower than `thin` pixels (what an opening by a thin × thin square
    removes): tracks rather than the building sites of the same class."""
    ids = [c["id"] for c in CLASSES if c["key"] in keys]
    found = []
    for i, m in enumerate(masks):
        held = np.isin(m, ids).astype(np.uint8)
        if thin:
            held &= 1 - ndimage.maximum_filter(ndimage.minimum_filter(held, thin), thin)
        ys, xs = np.nonzero(held)
        if len(ys):
            step = max(1, len(ys) // per_chip)
            found.append((i, np.stack([ys[::step], xs[::step]], 1)))
    return found


def focused_crop(found, crop, rng):
    """A chip holding a focus class and a crop offset that puts one of its pixels anywhere inside the crop."""
    i, pixels = found[int(rng.integers(0, len(found)))]
    py, px = pixels[int(rng.integers(0, len(pixels)))]
    oy, ox = (int(np.clip(p - rng.integers(0, crop), 0, SIZE - crop)) for p in (py, px))
    return i, ox, oy


def make_batch(images, masks, idx, crop, rng, focus=None):
    """A batch of crops; with focus = (pixels, n), the last n crops each hold a pixel of a focus class."""
    x = np.empty((len(idx), 3, crop, crop), np.float32)
    y = np.empty((len(idx), crop, crop), np.int64)
    for k, i in enumerate(idx):
        if focus and k >= len(idx) - focus[1]:
            i, ox, oy = focused_crop(focus[0], crop, rng)
        else:
            ox, oy = (int(v) for v in rng.integers(0, SIZE - crop + 1, 2))
        img = images[i, oy:oy + crop, ox:ox + crop]
        m = masks[i, oy:oy + crop, ox:ox + crop]
        if rng.random() < 0.5:
            img, m = img[:, ::-1], m[:, ::-1]
        if rng.random() < 0.5:
            img, m = img[::-1], m[::-1]
        if rng.random() < 0.5:
            img, m = img.transpose(1, 0, 2), m.T
        x[k] = img.transpose(2, 0, 1) / 255.0
        y[k] = m
    gain = rng.uniform(0.85, 1.15, (len(idx), 3, 1, 1)).astype(np.float32)
    x = np.clip(x * gain + rng.uniform(-0.05, 0.05, (len(idx), 1, 1, 1)).astype(np.float32), 0, 1)
    x = (x - np.array(MEAN, np.float32)[:, None, None]) / np.array(STD, np.float32)[:, None, None]
    return torch.from_numpy(x), torch.from_numpy(y)


def class_weight(masks):
    """The loss's class weights: rare classes (pools, water, sites) weigh more, but only by the square root of their rarity."""
    freq = np.bincount(masks.ravel(), minlength=NC).astype(np.float64) / masks.size
    return torch.tensor(np.clip((freq.max() / np.maximum(freq, 1e-4)) ** 0.5, 1, 10), dtype=torch.float32)


def unweighted(net, weight):
    """A copy whose logits are those of an unweighted loss: the weighted loss learned p(c|x) scaled by each
    class weight, so taking log(weight) off the head's bias keeps the argmax from over-painting rare classes
    (buildings, sites), which would inflate artificialised areas. The checkpoint keeps the trained weights."""
    copy = LandcoverNet()
    copy.load_state_dict(net.state_dict())
    with torch.no_grad():
        copy.head.bias -= torch.log(weight)
    return copy


def export(net, path):
    return export_onnx(net, torch.rand(1, 3, SIZE, SIZE), path, "input", "logits")


def main():
    ap = training_args(MODEL_DIR, ".vigie/training/landcover/train", steps=900, batch=8, crop=256, lr=4e-3)
    # thin rare regions (gravel tracks: a few hundred m² a scene) decide a commune's artificialised area at 5 %
    ap.add_argument("--focus", default="", help="classes, comma-separated, that some crops of each batch must hold (e.g. chantier)")
    ap.add_argument("--focus-crops", type=int, default=2, help="how many crops of each batch hold a --focus class")
    ap.add_argument("--focus-thin", type=int, default=0, help="only regions of the --focus classes narrower than this many pixels")
    args = ap.parse_args()
    rng = seeded(args)
    t0 = time.time()
    images, masks = load_sets_with(args.data, load_set)
    weight = class_weight(masks)
    print(f"{len(images)} chips loaded in {time.time() - t0:.0f} s", flush=True)
    focus = (focus_pixels(masks, args.focus.split(","), args.focus_thin), args.focus_crops) if args.focus else None
    if focus:
        print(f"--focus {args.focus}: {len(focus[0])} chips hold it", flush=True)
    net = LandcoverNet()
    if args.resume_graph:
        resume_from_graph(net, args.resume_graph, torch.rand(1, 3, SIZE, SIZE))
        # the graph's head is unweighted and calibrated: give it back the training's class weights, less the offsets
        offsets = json.load(open(os.path.join(MODEL_DIR, "model.json"), encoding="utf-8"))["training"]["calibration"]["offsets"]
        with torch.no_grad():
            net.head.bias += torch.log(weight) - torch.tensor([offsets[c["key"]] for c in CLASSES])

    def step_loss(step):
        x, y = make_batch(images, masks, rng.integers(0, len(images), args.batch), args.crop, rng, focus)
        logits = F.interpolate(net(x), scale_factor=2.0, mode="bilinear", align_corners=False)
        acc = (logits.argmax(1) == y).float().mean().item() if step % 50 == 0 or step == args.steps - 1 else 0.0
        return F.cross_entropy(logits, y, weight=weight), f"pixel acc {acc:.3f}"

    minutes = train(net, args, step_loss)
    sha = save_and_export(net, args, MODEL_DIR, lambda n, path: export(unweighted(n, weight), path))
    write_model_card(args, len(images), sha, minutes)
    print(f"trained in {minutes:.1f} min, exported {os.path.join(args.out, 'model.onnx')}")


def write_model_card(args, chips, sha, minutes):
    card = {
        "id": "landcover-segmenter",
        "version": "1.0.0",
        "task": "segmentation",
        "description": "Baseline de démonstration : occupation du sol (couverture OCS GE simplifiée) apprise sur l'imagerie générée, pas sur des orthophotos réelles.",
        "input": {"name": "input", "width": SIZE, "height": SIZE, "channels": 3, "channelOrder": "RGB",
                  "scale": "1/255", "mean": MEAN, "std": STD, "resize": "stretch", "gsd": 0.2},
        "output": {"name": "logits", "format": "segmentation-logits"},
        # an aerial view has no up or left: four mirrored passes, averaged (train/README.md, "Mirrored passes")
        "runtime": {"flips": "both"},
        "classes": [{"id": c["id"], "name": c["key"], "label": c["label"], "category": c["ocsge"],
                     "artificialised": c["artificialised"], "nomenclature2023": c["category"], "sealed": c["sealed"]} for c in CLASSES],
    }
    write_card(args, card, f"@vigie/data generateTrainingSet task=landcover split=train count={chips} {set_seeds(args.data)} (512 px chips at 0.20 m), "
                    f"random {args.crop} px crops, flips and quarter turns"
                    + (f", {args.focus_crops} crops a batch holding {args.focus}" + (f" narrower than {args.focus_thin} px" if args.focus_thin else "") if args.focus else ""),
               minutes, sha, f" --focus {args.focus} --focus-crops {args.focus_crops} --focus-thin {args.focus_thin}" if args.focus else "")


if __name__ == "__main__":
    main()
