#!/usr/bin/env python3
"""Averages the weights of fine-tunes of one net into one checkpoint (a "uniform model soup", Wortsman et al., 2022).

Fine-tunes that start from the same weights stay in one basin of the loss, where their average tends to do as well
as averaging their outputs, at the cost of one net. Only nets trained with `--frozen-norms` from the same start
are averaged: they share the batch norms' statistics, which an average of different statistics would not describe.

    /usr/bin/python3 models/crowd-counter/train/soup.py --checkpoints a.pt,b.pt,c.pt --out soup.pt
"""
import argparse

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoints", required=True, help="comma-separated checkpoints (state dicts) of one net")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    paths = args.checkpoints.split(",")
    nets = [torch.load(p, map_location="cpu") for p in paths]
    soup = {}
    for key, first in nets[0].items():
        if "running_" in key or "num_batches_tracked" in key:
            if any(not torch.equal(net[key], first) for net in nets[1:]):
                raise SystemExit(f"{key} differs between the checkpoints: train them with --frozen-norms from one start")
            soup[key] = first
        else:
            soup[key] = torch.stack([net[key].float() for net in nets]).mean(0).to(first.dtype)
    torch.save(soup, args.out)
    print(f"averaged {len(nets)} checkpoints into {args.out}", flush=True)


if __name__ == "__main__":
    main()
