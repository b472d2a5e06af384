#!/usr/bin/env python3
"""PyTorch references for the training engine's losses and optimizers (runtime/train).

Writes one JSON file with, for fixed random inputs:
  losses: F.cross_entropy (mean, ignore_index -100), F.mse_loss, and the distillation loss
          T^2 * F.kl_div(log_softmax(student / T), softmax(teacher / T), reduction="batchmean"),
          each with the gradient autograd gives for the logits / outputs;
  optimizers: 6 steps of torch.optim.SGD (momentum, dampening, weight decay, Nesterov) and
          torch.optim.AdamW on a 7-element parameter, the gradient of each step given, the
          parameter after each step recorded;
  clip: torch.nn.utils.clip_grad_norm_ over two gradients, the norm and the clipped values.

Usage: /usr/bin/python3 models/train/make_train_reference.py --out FILE.json
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F


def listed(t):
    return [float(x) for x in t.detach().reshape(-1)]


def losses(g):
    rows, classes = 5, 7
    logits = (torch.randn(rows, classes, generator=g) * 3).requires_grad_()
    targets = torch.tensor([2, -100, 6, 0, -100])
    ce = F.cross_entropy(logits, targets, ignore_index=-100)
    ce.backward()
    y = torch.randn(11, generator=g).requires_grad_()
    target = torch.randn(11, generator=g)
    mse = F.mse_loss(y, target)
    mse.backward()
    student = (torch.randn(rows, classes, generator=g) * 2).requires_grad_()
    teacher = torch.randn(rows, classes, generator=g) * 2
    t = 2.5
    kl = F.kl_div(F.log_softmax(student / t, dim=-1), F.softmax(teacher / t, dim=-1),
                  reduction="batchmean") * t * t
    kl.backward()
    return {
        "rows": rows, "classes": classes,
        "cross_entropy": {"logits": listed(logits), "targets": targets.tolist(), "loss": float(ce),
                          "grad": listed(logits.grad)},
        "mse": {"y": listed(y), "target": listed(target), "loss": float(mse), "grad": listed(y.grad)},
        "kl": {"student": listed(student), "teacher": listed(teacher), "temperature": t,
               "loss": float(kl), "grad": listed(student.grad)},
    }


def trajectory(make_optimizer, g, steps=6, n=7):
    param = torch.nn.Parameter(torch.randn(n, generator=g))
    start = listed(param)
    optimizer = make_optimizer([param])
    grads, params = [], []
    for _ in range(steps):
        grad = torch.randn(n, generator=g)
        param.grad = grad.clone()
        optimizer.step()
        grads.append(listed(grad))
        params.append(listed(param))
    return {"start": start, "grads": grads, "params": params}


def optimizers(g):
    lr = 0.05
    cases = {
        "sgd": ({"momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
                lambda p: torch.optim.SGD(p, lr=lr)),
        "sgd_momentum": ({"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "nesterov": False},
                         lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, dampening=0.1, weight_decay=0.01)),
        "sgd_nesterov": ({"momentum": 0.8, "dampening": 0.0, "weight_decay": 0.0, "nesterov": True},
                         lambda p: torch.optim.SGD(p, lr=lr, momentum=0.8, nesterov=True)),
        "adamw": ({"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
                  lambda p: torch.optim.AdamW(p, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
        "adamw_betas": ({"beta1": 0.8, "beta2": 0.95, "eps": 1e-6, "weight_decay": 0.1},
                        lambda p: torch.optim.AdamW(p, lr=lr, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    }
    out = {}
    for name, (options, make) in cases.items():
        out[name] = dict(trajectory(make, g), options=options, lr=lr)
    return out


def clip(g):
    a, b = torch.randn(6, generator=g) * 2, torch.randn(4, generator=g) * 2
    pa, pb = torch.nn.Parameter(torch.zeros(6)), torch.nn.Parameter(torch.zeros(4))
    pa.grad, pb.grad = a.clone(), b.clone()
    norm = torch.nn.utils.clip_grad_norm_([pa, pb], max_norm=1.5)
    return {"a": listed(a), "b": listed(b), "max_norm": 1.5, "norm": float(norm),
            "clipped_a": listed(pa.grad), "clipped_b": listed(pb.grad)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float32)
    g = torch.Generator().manual_seed(7)
    reference = {"losses": losses(g), "optimizers": optimizers(g), "clip": clip(g)}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(reference, f, indent=1)
    print("wrote %s (torch %s)" % (args.out, torch.__version__))


if __name__ == "__main__":
    main()
