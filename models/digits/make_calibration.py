#!/usr/bin/env python3
"""Writes digits_calibration.npy: 64 images (float32 64x1x8x8) from the training split of
train_digits.py, the calibration inputs for `sprig-convert --quantize int8`. The test split stays
unseen by calibration.

  /usr/bin/python3 models/digits/make_calibration.py --out models/digits
"""

import argparse
import os

import numpy as np

from train_digits import load_split

COUNT = 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    x_train, _, _, _ = load_split()
    np.save(os.path.join(args.out, "digits_calibration.npy"), np.ascontiguousarray(x_train[:COUNT]))
    print("wrote %d calibration images to %s" % (COUNT, args.out))


if __name__ == "__main__":
    main()
