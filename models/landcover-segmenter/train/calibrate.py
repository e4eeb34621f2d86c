#!/usr/bin/env python3
"""Calibrates the trained segmenter's class priors on training chips (never the test split) and re-exports it.

ZAN sums areas, so a class the argmax paints too rarely or too often biases every commune's figures.
Starting from the unweighted logits (see train.unweighted), this finds one offset per class such that
the share of pixels predicted in each class matches its true share over training chips (prior matching:
each round moves an offset by half the log of true share over predicted share), and bakes the offsets
into the head's bias.

    /usr/bin/python3 models/landcover-segmenter/train/calibrate.py --data .vigie/training/landcover/train,.vigie/training/landcover/train-s43
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import CLASSES, MEAN, MODEL_DIR, NC, STD, LandcoverNet, class_weight, export, load_set, load_sets_with, unweighted  # noqa: E402
from training import SEED, record_calibration  # noqa: E402

ROUNDS = 20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".vigie/training/landcover/train", help="the training sets, comma-separated (as given to train.py)")
    ap.add_argument("--chips", type=int, default=200)
    ap.add_argument("--checkpoint", default=".vigie/checkpoints/landcover-segmenter.pt")
    ap.add_argument("--out", default=MODEL_DIR)
    args = ap.parse_args()
    torch.set_num_threads(1)
    images, masks = load_sets_with(args.data, load_set)
    weight = class_weight(masks)
    net = LandcoverNet()
    net.load_state_dict(torch.load(args.checkpoint))
    plain = unweighted(net, weight).eval()
    chosen = np.random.default_rng(SEED).choice(len(images), min(args.chips, len(images)), replace=False)
    logits = []
    with torch.no_grad():
        for i in chosen:
            x = (images[i].transpose(2, 0, 1)[None] / 255.0 - np.array(MEAN)[None, :, None, None]) / np.array(STD)[None, :, None, None]
            logits.append(plain(torch.from_numpy(x.astype(np.float32)))[0].numpy().astype(np.float16))
    logits = np.stack(logits)
    truth = masks[chosen][:, ::2, ::2]  # the logits are at stride 2
    true_share = np.bincount(truth.ravel(), minlength=NC) / truth.size
    offsets = np.zeros(NC, np.float32)

    def predicted():
        classes = (logits.astype(np.float32) + offsets[None, :, None, None]).argmax(1)
        return np.bincount(classes.ravel(), minlength=NC) / classes.size, (classes == truth).mean()

    before = predicted()
    for _ in range(ROUNDS):
        offsets += 0.5 * np.log(np.maximum(true_share, 1e-5) / np.maximum(predicted()[0], 1e-5))
    after = predicted()
    for c in CLASSES:
        k = c["id"]
        print(f"{c['key']:>24}: true {true_share[k]:.4f}, predicted {before[0][k]:.4f} → {after[0][k]:.4f}, offset {offsets[k]:+.3f}")
    print(f"pixel accuracy on {len(chosen)} training chips {before[1]:.4f} → {after[1]:.4f}")

    with torch.no_grad():
        plain.head.bias += torch.from_numpy(offsets)
    sha = export(plain, os.path.join(args.out, "model.onnx"))
    record_calibration(args.out, {
        "offsets": {c["key"]: round(float(offsets[c["id"]]), 4) for c in CLASSES}, "chips": len(chosen), "data": args.data,
        "recipe": f"/usr/bin/python3 models/landcover-segmenter/train/calibrate.py --data {args.data} --chips {args.chips}"}, sha)

if __name__ == "__main__":
    main()
