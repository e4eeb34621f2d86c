"""What the three baseline recipes share: arguments, seeds, the AdamW + one-cycle loop, checkpoints, ONNX export.

Each recipe keeps what is its own (network, batches, loss, card) and imports the rest from here:

    sys.path.insert(0, os.path.join(ROOT, "models", "common"))
    from training import ...
"""
import argparse
import hashlib
import inspect
import json
import multiprocessing
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
    ap.add_argument("--resume-graph", help="a shipped model.onnx to start from, when its .pt checkpoint is gone (see resume_from_graph)")
    ap.add_argument("--checkpoint", default=None, help="where to save the trained weights (default .vigie/checkpoints/<id>.pt)")
    ap.add_argument("--device", default="cpu", help="cuda: train on a GPU, where the recipe supports it (the crowd counter)")
    ap.add_argument("--frozen-norms", action="store_true", help="batch norms keep the statistics they were resumed with (fine-tuning on small batches)")
    ap.add_argument("--minutes", type=float, help="instead of --steps: as many steps as fit in this many minutes, timed on steps 5 to 25 (too many when trainings that share the device start later)")
    return ap


def seeded(args):
    """Fixed seeds everywhere; the recipe's random generator."""
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(args.threads)
    return np.random.default_rng(SEED)


def load_sets(spec, load_set, workers=1):
    """One or more generated sets, comma-separated, concatenated; with workers > 1, that many processes read
    them side by side (load_set must then be a module-level function, or a partial of one)."""
    dirs = spec.split(",")
    if workers > 1:
        with multiprocessing.Pool(min(workers, len(dirs))) as pool:
            parts = pool.map(load_set, dirs)
    else:
        parts = [load_set(d) for d in dirs]
    first = np.concatenate([p[0] for p in parts])
    second = np.concatenate([p[1] for p in parts]) if isinstance(parts[0][1], np.ndarray) else [x for p in parts for x in p[1]]
    return first, second


def set_seeds(spec):
    """The generator seeds of the sets in spec, read from their meta.json: "seed=42" or "seeds 42, 43", then the
    generator's version when every set records the same one (the labels change with it): "seeds 42, 43, generator v8"."""
    metas = [json.load(open(os.path.join(d, "meta.json"), encoding="utf-8")) for d in spec.split(",")]
    seeds = [m.get("seed", "?") for m in metas]
    versions = {m.get("generatorVersion") for m in metas}
    version = f", generator v{versions.pop()}" if len(versions) == 1 and None not in versions else ""
    return (f"seed={seeds[0]}" if len(seeds) == 1 else "seeds " + ", ".join(str(s) for s in seeds)) + version


def resume_from_graph(net, path, example):
    """Loads a network's weights back from its exported graph: checkpoints are git-ignored, the graph is what
    the repository keeps. The exporter folded each batch norm into the convolution before it, so every batch
    norm comes back as the identity (mean 0, variance 1 − eps, scale 1) carrying the folded bias, until train
    gives it real statistics (unfold_norms). The graph's Conv nodes are in the order the forward pass runs
    them; re-exporting the loaded network must give back the very same convolutions, which is checked."""
    import tempfile
    import onnx
    from onnx import numpy_helper

    def conv_weights(graph_path):
        g = onnx.load(graph_path).graph
        init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        # a crowd counter's graph first enlarges its frame with fixed convolutions (Enlarge): not the net's
        return [[init[name] for name in n.input[1:] if name in init] for n in g.node if n.op_type == "Conv" and "/enlarge/" not in n.name]

    shipped = conv_weights(path)
    order, folded = [], {}
    for m in net.modules():
        if isinstance(m, nn.Sequential):
            kids = list(m)
            folded.update({a: b for a, b in zip(kids, kids[1:]) if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d)})
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in net.modules() if isinstance(m, nn.Conv2d)]
    net.eval()
    with torch.no_grad():
        net(example)
    for h in hooks:
        h.remove()
    if len(order) != len(shipped):
        raise SystemExit(f"{path}: {len(shipped)} convolutions in the graph, {len(order)} in the network")
    with torch.no_grad():
        for conv, weights in zip(order, shipped):
            if tuple(weights[0].shape) != tuple(conv.weight.shape):
                raise SystemExit(f"{path}: a convolution of shape {weights[0].shape} where the network has {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(weights[0]))
            bias = torch.from_numpy(weights[1]) if len(weights) > 1 else torch.zeros(conv.out_channels)
            bn = folded.get(conv)
            if bn is not None:
                bn.weight.fill_(1)
                bn.bias.copy_(bias)
                bn.running_mean.zero_()
                bn.running_var.fill_(1 - bn.eps)
            elif conv.bias is not None:
                conv.bias.copy_(bias)
    with tempfile.TemporaryDirectory() as tmp:
        export_onnx(net, example, os.path.join(tmp, "check.onnx"), "input", "output")
        again = conv_weights(os.path.join(tmp, "check.onnx"))
    worst = max(float(np.abs(a - b).max()) for x, y in zip(shipped, again) for a, b in zip(x, y))
    if len(again) != len(shipped) or worst > 1e-5:
        raise SystemExit(f"{path}: the re-exported network differs from the graph (max |Δ| {worst:.2e})")
    print(f"resumed from the graph {path} ({len(order)} convolutions, re-export max |Δ| {worst:.1e})", flush=True)


def unfold_norms(net, step_loss, batches=20):
    """Gives the identity batch norms of a network resumed from its graph the statistics of what reaches them
    (measured over training batches, the network computing exactly the shipped function), and the scale and
    shift that keep that function: γ = √(σ² + eps), β = μ + the folded bias. Trained with frozen identity
    norms instead, the network lost its conditioning: the land-cover loss tripled in 500 steps at 8e-4."""
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    sums = {bn: [0.0, 0.0, 0] for bn in norms}

    def record(bn, inputs):
        x = inputs[0].detach().double()
        acc = sums[bn]
        acc[0] = acc[0] + x.sum((0, 2, 3))
        acc[1] = acc[1] + (x * x).sum((0, 2, 3))
        acc[2] += x.numel() // x.shape[1]

    hooks = [bn.register_forward_pre_hook(record) for bn in norms]
    first = []

    def keep_first(module, inputs, output):
        if not first:
            first.append((inputs[0].clone(), output.clone()))

    hooks.append(net.register_forward_hook(keep_first))
    net.eval()
    with torch.no_grad():
        for step in range(batches):
            step_loss(step)
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for bn in norms:
            total, squares, n = sums[bn]
            mean = total / n
            var = (squares / n - mean * mean).clamp(min=0)
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())
            bn.bias.add_(mean.float())
            bn.weight.copy_(torch.sqrt(var + bn.eps).float())
        x, before = first[0]
        drift = float((net(x) - before).abs().max())
    if drift > 1e-3:
        raise SystemExit(f"unfolding the batch norms changed the network's output (max |Δ| {drift:.2e})")
    print(f"batch norms given the statistics of {batches} training batches (output unchanged, max |Δ| {drift:.1e})", flush=True)


def train(net, args, step_loss, gpu=False):
    """AdamW with a one-cycle schedule for args.steps (0: only load --resume), or for as many as fit in args.minutes;
    step_loss(step) -> (loss, log text). Returns minutes.
    A network resumed from a graph (--resume-graph, loaded by the recipe with resume_from_graph) first gets its
    batch norms' statistics back (unfold_norms). `gpu`: the recipe makes its batches on args.device (else --device
    other than cpu is refused: the batches would stay on the CPU)."""
    if args.device != "cpu" and not gpu:
        raise SystemExit(f"--device {args.device}: this recipe trains on the CPU only (the crowd counter's trains on a GPU)")
    if args.resume:
        net.load_state_dict(torch.load(args.resume, map_location="cpu"))
        print(f"resumed from {args.resume}", flush=True)
    net.to(args.device)
    if args.steps == 0 and not args.minutes:
        return 0.0  # export only
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    t0 = time.time()
    if args.resume_graph:
        unfold_norms(net, step_loss)
    net.train()
    if args.frozen_norms:
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()

    def run(step):
        loss, text = step_loss(step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss, text

    first = 0
    if args.minutes:
        # the one-cycle schedule needs its length: steps 5 to 25, at its starting rate (max / 25), time one step
        for group in opt.param_groups:
            group["lr"] = args.lr / 25
        for step in range(25):
            loss = run(step)[0]
            if step == 4:
                loss.item()  # waits for the device
                t1 = time.time()
        loss.item()
        first = 25
        args.steps = first + max(1, int((args.minutes * 60 - (time.time() - t0)) / ((time.time() - t1) / 20)))
        print(f"{args.steps} steps fit in {args.minutes:g} min", flush=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps - first, pct_start=0.1)
    for step in range(first, args.steps):
        loss, text = run(step)
        sched.step()
        if step % 50 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.3f} {text} {time.time() - t0:.0f} s", flush=True)
    return (time.time() - t0) / 60


def save_and_export(net, args, model_dir, export):
    """Saves the weights (to resume from), then export(net, path) writes <out>/model.onnx; returns its SHA-256."""
    checkpoint = args.checkpoint or os.path.join(".vigie", "checkpoints", os.path.basename(model_dir) + ".pt")
    os.makedirs(os.path.dirname(checkpoint), exist_ok=True)
    net.cpu()  # a checkpoint made on a GPU loads anywhere, and the export runs on the CPU
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


def write_card(args, card, data, minutes, sha, options=""):
    """Writes <out>/model.json: the recipe's own fields (id, input, output, classes…), then what every card says
    of its training (data, seed, the command, minutes, threads) and of its graph. `options`: the recipe's own
    command-line options, as given, for the command written in the card."""
    start = args.resume or args.resume_graph
    resumed = f"then from {start}: " if start else ""
    save_card(args.out, {**card, "training": {
        "data": data,
        "seed": SEED,
        "recipe": resumed + f"/usr/bin/python3 models/{card['id']}/train/train.py --data {args.data} --steps {args.steps} --batch {args.batch} --crop {args.crop} --lr {args.lr}"
                  + (f" --device {args.device}" if args.device != "cpu" else "") + (" --frozen-norms" if args.frozen_norms else "") + options,
        "minutes": round(minutes, 1),
        **({"threads": args.threads} if args.device == "cpu" else {"device": args.device}),
    }, "file": "model.onnx", "sha256": sha})


def save_card(out_dir, card):
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write("\n")


def record_calibration(out_dir, calibration, sha, runtime=None, input_size=None):
    """Writes a calibration (and the runtime settings it was made for) into <out>/model.json with the new graph's
    SHA-256 and, when given, its input size; drops the metrics, which were the uncalibrated graph's (`vigie models
    eval` measures again)."""
    card_path = os.path.join(out_dir, "model.json")
    card = json.load(open(card_path, encoding="utf-8"))
    card["training"]["calibration"] = calibration
    if input_size:
        card["input"]["width"], card["input"]["height"] = input_size
    if runtime:
        card["runtime"] = {**card.get("runtime", {}), **runtime}
    card["sha256"] = sha
    card.pop("metrics", None)
    save_card(out_dir, card)
