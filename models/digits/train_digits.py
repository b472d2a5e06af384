#!/usr/bin/env python3
"""Train a small CNN on scikit-learn's 8x8 digits dataset and export it to ONNX.

Input: float32 NCHW 1x1x8x8, pixel value x/16 (range 0..1). Output: 10 logits.

Training mode (default) writes into DIR:

  digits.onnx               ONNX graph, input "input" 1x1x8x8, output "logits" 1x10,
                            BatchNormalization nodes kept (not fused into Conv)
  digits.pt                 trained state_dict (for re-exporting at other opsets)
  digits_test_images.npy    float32 Nx1x8x8, the held-out test split
  digits_test_labels.npy    int64 N, their labels
  digits_test_logits.npy    float32 Nx10, PyTorch's logits for each test image (batch 1)

Re-export mode writes a single ONNX file from a saved state_dict:

  train_digits.py --export-from DIR/digits.pt --opset 17 --out digits_op17.onnx

Usage:
  /usr/bin/python3 models/digits/train_digits.py --out DIR [--opset 13] [--epochs 30]
"""
import argparse
import collections
import os
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 0


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def load_split():
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)


def fit(model, opt, x_train, y_train, epochs, batch_size, scheduler=None):
    """Cross-entropy training in shuffled batches (seeded), printing the loss every 5 epochs."""
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if scheduler is not None:
            scheduler.step()
        if (epoch + 1) % 5 == 0 or epoch == 0:
            print("epoch %2d  loss %.4f" % (epoch + 1, total / len(xt)))


def export_onnx(model, path, opset):
    model.eval()
    dummy = torch.zeros(1, 1, 8, 8)
    # PRESERVE + eval(): BatchNorm stays a separate node (EVAL mode would fuse it into Conv).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
        torch.onnx.export(
            model,
            dummy,
            path,
            input_names=["input"],
            output_names=["logits"],
            opset_version=opset,
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.PRESERVE,
        )
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    counts = collections.Counter(n.op_type for n in graph.graph.node)
    if counts.get("BatchNormalization", 0) == 0:
        raise SystemExit("exported graph has no BatchNormalization nodes")
    print("%s (opset %d): %s" % (path, opset,
                                 ", ".join("%s x%d" % kv for kv in sorted(counts.items()))))


def train(args):
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    x_train, x_test, y_train, y_test = load_split()
    print("train %d, test %d" % (len(x_train), len(x_test)))

    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, opt, x_train, y_train, args.epochs, args.batch_size)

    model.eval()
    with torch.no_grad():
        # Batch-1 inference, exactly as the exported graph is run.
        logits = np.concatenate(
            [model(torch.from_numpy(x_test[i:i + 1])).numpy() for i in range(len(x_test))]
        ).astype(np.float32)
    acc = float((logits.argmax(1) == y_test).mean())
    print("test accuracy: %.4f (%d/%d)" % (acc, int((logits.argmax(1) == y_test).sum()), len(y_test)))
    if acc < 0.95:
        raise SystemExit("test accuracy below 0.95")

    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "digits.pt"))
    export_onnx(model, os.path.join(args.out, "digits.onnx"), args.opset)
    np.save(os.path.join(args.out, "digits_test_images.npy"), x_test.astype(np.float32))
    np.save(os.path.join(args.out, "digits_test_labels.npy"), y_test.astype(np.int64))
    np.save(os.path.join(args.out, "digits_test_logits.npy"), logits)


def reexport(args):
    model = DigitsNet()
    model.load_state_dict(torch.load(args.export_from, map_location="cpu"))
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    export_onnx(model, args.out, args.opset)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True,
                    help="output directory (training) or output .onnx path (with --export-from)")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--export-from", metavar="PT",
                    help="skip training; re-export this saved state_dict to the --out .onnx file")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t0 = time.time()
    if args.export_from:
        reexport(args)
    else:
        train(args)
    print("done in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
