#!/usr/bin/env python3
"""Pick one digits test image and write it as examples/digit.npy and examples/digit.png.

The chosen image is classified correctly with the largest logit margin, both as the
float input (x in 0..1) and after 8-bit PNG rounding (round(x*255)/255).

  digit.npy   float32 1x1x8x8, values x in 0..1 (the model's input)
  digit.png   8x8 8-bit grayscale, pixel = round(x*255)

Usage:
  /usr/bin/python3 models/digits/make_example.py [--digits-dir models/digits] --out examples
"""
import argparse
import os

import numpy as np
import torch
from PIL import Image

from train_digits import DigitsNet


def margin(logits, label):
    other = np.delete(logits, label, axis=1).max(axis=1)
    return logits[:, label] - other


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--digits-dir", default=os.path.dirname(os.path.abspath(__file__)),
                    help="directory with digits.pt and digits_test_*.npy")
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args()
    torch.set_num_threads(2)

    model = DigitsNet()
    model.load_state_dict(torch.load(os.path.join(args.digits_dir, "digits.pt"), map_location="cpu"))
    model.eval()
    images = np.load(os.path.join(args.digits_dir, "digits_test_images.npy"))
    labels = np.load(os.path.join(args.digits_dir, "digits_test_labels.npy"))

    best = None
    with torch.no_grad():
        for i, (x, label) in enumerate(zip(images, labels)):
            x = x[None]
            q = np.round(x * 255.0) / 255.0
            lx = model(torch.from_numpy(x)).numpy()
            lq = model(torch.from_numpy(q.astype(np.float32))).numpy()
            if lx.argmax() != label or lq.argmax() != label:
                continue
            m = float(min(margin(lx, label)[0], margin(lq, label)[0]))
            if best is None or m > best[0]:
                best = (m, i, int(label), lx[0], lq[0])
    m, i, label, lx, lq = best
    x = images[i:i + 1].astype(np.float32)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "digit.npy"), x)
    pixels = np.round(x[0, 0] * 255.0).astype(np.uint8)
    Image.fromarray(pixels, mode="L").save(os.path.join(args.out, "digit.png"))
    print("test image %d, label %d, margin %.2f" % (i, label, m))
    print("logits (float):  %s" % np.array2string(lx, precision=2, max_line_width=200))
    print("logits (8-bit):  %s" % np.array2string(lq, precision=2, max_line_width=200))
    print(pixels)


if __name__ == "__main__":
    main()
