"""What the three baseline recipes share: arguments, seeds, the AdamW + one-cycle loop, checkpoints, ONNX export.

Each recipe keeps what is its own (network, batches, loss, card) and imports the rest from here:

    sys.path.insert(0, os.path.join(ROOT, "models", "common"))
    from training import ...
"""
import argparse
import hashlib
import inspect
import json
import os
import time

import numpy as np
import torch
from torch import nn

SEED = 42
OPSET = 17


def cbr(i, o, s=1):
    """3 × 3 convolution, batch norm, ReLU: the block every baseline is built from."""
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


def training_args(model_dir, data, steps, batch, crop, lr):
    """The command line every recipe takes, with its own defaults."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=data, help="one or more generated sets, comma-separated")
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--crop", type=type(crop), default=crop)
    ap.add_argument("--lr", type=float, default=lr)
    # one thread: on a shared 2-core machine, two intra-op threads ran 3× slower (spin-waits)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=model_dir)
    ap.add_argument("--resume", help="a checkpoint (.pt) to start from instead of random weights")
    ap.add_argument("--checkpoint", default=None, help="where to save the trained weights (default .vigie/checkpoints/<id>.pt)")
    return ap


def seeded(args):
    """Fixed seeds everywhere; the recipe's random generator."""
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(args.threads)
    return np.random.default_rng(SEED)


def load_sets(spec, load_set):
    """One or more generated sets, comma-separated, concatenated."""
    parts = [load_set(d) for d in spec.split(",")]
    first = np.concatenate([p[0] for p in parts])
    second = np.concatenate([p[1] for p in parts]) if isinstance(parts[0][1], np.ndarray) else [x for p in parts for x in p[1]]
    return first, second


def set_seeds(spec):
    """The generator seeds of the sets in spec, read from their meta.json: "seed=42" or "seeds 42, 43"."""
    seeds = [json.load(open(os.path.join(d, "meta.json"), encoding="utf-8")).get("seed", "?") for d in spec.split(",")]
    return f"seed={seeds[0]}" if len(seeds) == 1 else "seeds " + ", ".join(str(s) for s in seeds)


def train(net, args, step_loss):
    """AdamW with a one-cycle schedule for args.steps (0: only load --resume); step_loss(step) -> (loss, log text). Returns minutes."""
    if args.resume:
        net.load_state_dict(torch.load(args.resume))
        print(f"resumed from {args.resume}", flush=True)
    if args.steps == 0:
        return 0.0  # export only
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    t0 = time.time()
    net.train()
    for step in range(args.steps):
        loss, text = step_loss(step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} {text} {time.time() - t0:.0f} s", flush=True)
    return (time.time() - t0) / 60


def save_and_export(net, args, model_dir, export):
    """Saves the weights (to resume from), then export(net, path) writes <out>/model.onnx; returns its SHA-256."""
    checkpoint = args.checkpoint or os.path.join(".vigie", "checkpoints", os.path.basename(model_dir) + ".pt")
    os.makedirs(os.path.dirname(checkpoint), exist_ok=True)
    torch.save(net.state_dict(), checkpoint)
    os.makedirs(args.out, exist_ok=True)
    return export(net, os.path.join(args.out, "model.onnx"))


def export_onnx(module, example, path, input_name, output_name):
    """Exports an eval-mode module with the TorchScript exporter; returns the file's SHA-256 for the card."""
    module.eval()
    kwargs = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(module, (example,), path, input_names=[input_name], output_names=[output_name],
                          opset_version=OPSET, do_constant_folding=True, **kwargs)
    return sha256(path)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_card(args, card, data, minutes, sha):
    """Writes <out>/model.json: the recipe's own fields (id, input, output, classes…), then what every card says
    of its training (data, seed, the command, minutes, threads) and of its graph."""
    resumed = f"then from {args.resume}: " if args.resume else ""
    save_card(args.out, {**card, "training": {
        "data": data,
        "seed": SEED,
        "recipe": resumed + f"/usr/bin/python3 models/{card['id']}/train/train.py --data {args.data} --steps {args.steps} --batch {args.batch} --crop {args.crop} --lr {args.lr}",
        "minutes": round(minutes, 1),
        "threads": args.threads,
    }, "file": "model.onnx", "sha256": sha})


def save_card(out_dir, card):
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write("\n")


def record_calibration(out_dir, calibration, sha):
    """Writes a calibration into <out>/model.json with the new graph's SHA-256; drops the metrics, which were the
    uncalibrated graph's (`vigie models eval` measures again)."""
    card_path = os.path.join(out_dir, "model.json")
    card = json.load(open(card_path, encoding="utf-8"))
    card["training"]["calibration"] = calibration
    card["sha256"] = sha
    card.pop("metrics", None)
    save_card(out_dir, card)
