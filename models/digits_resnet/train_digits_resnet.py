#!/usr/bin/env python3
"""Train a small ResNet on scikit-learn's digits, upscaled from 8x8 to 32x32, and export it to ONNX:
the quantization tests' second trained model, with residual Adds, stride-2 blocks, 1x1
downsampling and global average pooling, as torchvision's ResNets have.

Input: float32 NCHW 1x1x32x32, the 8x8 image (pixel value x/16) upscaled bilinearly
(torch.nn.functional.interpolate, align_corners=False). Output: 10 logits. Same train/test split
as models/digits/train_digits.py.

Writes into DIR:

  digits_resnet.onnx               input "input" 1x1x32x32, output "logits" 1x10 (opset 13)
  digits_resnet_test_images.npy    float32 Nx1x32x32, the held-out test split, upscaled
  digits_resnet_test_labels.npy    int64 N, their labels
  digits_resnet_test_logits.npy    float32 Nx10, PyTorch's logits for each test image (batch 1)
  digits_resnet_calibration.npy    float32 64x1x32x32, the first 64 training images (for
                                   `sprig-convert --quantize int8 --calibration`)

Usage:
  /usr/bin/python3 models/digits_resnet/train_digits_resnet.py --out DIR [--epochs 30]
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "digits"))
from train_digits import fit, load_split  # noqa: E402

SEED = 0
SIDE = 32
CALIBRATION_COUNT = 64


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class DigitsResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.layers = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2),
                                    BasicBlock(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def upscale(x):
    with torch.no_grad():
        return F.interpolate(torch.from_numpy(x), size=(SIDE, SIDE), mode="bilinear",
                             align_corners=False).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    x_train, x_test, y_train, y_test = load_split()
    x_train, x_test = upscale(x_train), upscale(x_test)
    print("train %d, test %d, %dx%d" % (len(x_train), len(x_test), SIDE, SIDE))

    model = DigitsResNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    fit(model, opt, x_train, y_train, args.epochs, args.batch_size,
        torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs))

    model.eval()
    with torch.no_grad():
        logits = np.concatenate([model(torch.from_numpy(x_test[i:i + 1])).numpy()
                                 for i in range(len(x_test))])
    accuracy = float((logits.argmax(1) == y_test).mean())
    print("test accuracy %.2f%% (%d images)" % (100 * accuracy, len(x_test)))

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_resnet.onnx")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*constant folding.*")
        torch.onnx.export(model, torch.zeros(1, 1, SIDE, SIDE), path, input_names=["input"],
                          output_names=["logits"], opset_version=13)
    onnx.checker.check_model(onnx.load(path))
    np.save(os.path.join(args.out, "digits_resnet_test_images.npy"), np.ascontiguousarray(x_test))
    np.save(os.path.join(args.out, "digits_resnet_test_labels.npy"), y_test)
    np.save(os.path.join(args.out, "digits_resnet_test_logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(args.out, "digits_resnet_calibration.npy"),
            np.ascontiguousarray(x_train[:CALIBRATION_COUNT]))
    print("wrote %s and the test split to %s" % (path, args.out))


if __name__ == "__main__":
    main()
