#!/usr/bin/env python3
"""Compares counting models on the same frames, from the per-frame CSVs of `vigie models eval --frames`.

A validation of 120 frames from five scenes resolves about ±0.1 person a frame: scenes differ far more than
nets do (h2b's error by scene ranges from 0.55 to 1.48 people a frame over 40 scenes). Paired on the same
frames, two nets' difference is much tighter; its standard error is taken over scenes, since the frames of a
scene share their street, light and crowd and do not vary independently.

    /usr/bin/python3 models/crowd-counter/train/compare.py reference.csv other.csv [...]
"""
import csv
import math
import sys
from collections import defaultdict

DENSE_FROM, DENSE_BAND = 40, 0.10  # the band: within ±10 % from 40 people


def load(path):
    with open(path, newline="") as f:
        return [{**r, "error": abs(float(r["predicted_people"]) - int(r["people"])),
                 "vehicle_error": abs(float(r["predicted_vehicles"]) - int(r["vehicles"]))} for r in csv.DictReader(f)]


def summary(rows):
    n = len(rows)
    dense = [r["error"] / int(r["people"]) for r in rows if int(r["people"]) >= DENSE_FROM]
    within = sum(e <= DENSE_BAND for e in dense)
    return (f"{n} frames, {len({r['scene_seed'] for r in rows})} scenes: people {sum(r['error'] for r in rows) / n:.3f}, "
            f"vehicles {sum(r['vehicle_error'] for r in rows) / n:.3f}, dense frames within ±10 % {within} of {len(dense)}"
            + (f" (worst {max(dense) * 100:.1f} %)" if dense else ""))


def paired(reference, other):
    """Mean difference of people error per frame (other − reference) and its standard error over scenes."""
    if [r["image"] for r in reference] != [r["image"] for r in other]:
        raise SystemExit("the two files do not hold the same frames in the same order")
    by_scene = defaultdict(list)
    for a, b in zip(reference, other):
        by_scene[a["scene_seed"]].append(b["error"] - a["error"])
    means = [sum(d) / len(d) for d in by_scene.values()]
    k = len(means)
    diff = sum(sum(d) for d in by_scene.values()) / len(reference)
    centre = sum(means) / k
    se = math.sqrt(sum((m - centre) ** 2 for m in means) / (k - 1) / k) if k > 1 else float("nan")
    return diff, se


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    reference = load(sys.argv[1])
    print(f"{sys.argv[1]}: {summary(reference)}")
    for path in sys.argv[2:]:
        rows = load(path)
        diff, se = paired(reference, rows)
        print(f"{path}: {summary(rows)}; people error against the first {diff:+.3f} ± {se:.3f} (standard error over scenes)")


if __name__ == "__main__":
    main()
