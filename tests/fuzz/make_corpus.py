#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/: small valid
inputs of each reader (the fuzzers mutate from there) and a few known-bad ones. The cache and
session seeds are written by their targets themselves (run.sh), so they follow the current format.
Run with Debian's python3 (numpy and PIL from python3-torchvision's dependencies)."""
import gzip, io, os, struct, sys
import numpy as np
from PIL import Image

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)

rng = np.random.default_rng(0)
# IDX: 3 images of 4 x 5, raw and gzip; a header that claims more than the file holds.
img = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
idx = struct.pack(">BBBB", 0, 0, 8, 3) + struct.pack(">III", 3, 4, 5) + img.tobytes()
put("idx", "raw.idx", idx)
put("idx", "gz.idx.gz", gzip.compress(idx, mtime=0))
put("idx", "claims-more.idx", struct.pack(">BBBB", 0, 0, 8, 3) + struct.pack(">III", 1000, 28, 28) + b"\0" * 16)
# CIFAR: two CIFAR-10 records, two CIFAR-100 records.
for name, label_bytes in (("cifar10.bin", 1), ("cifar100.bin", 2)):
    rec = b"".join(bytes([i % 10] * label_bytes) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for i in range(2))
    put("cifar", name, bytes([0 if label_bytes == 1 else 1]) + rec[1:])
# CSV lists: with a header and label names, without, quoted, a bad label.
put("csv", "header.csv", b"path,label,label_name\na.png,1,cat\n\"a.png\",2,\"dog, big\"\nmissing.png,-1,\n")
put("csv", "plain.csv", b"a.png,0\na.png,3\n")
put("csv", "quoted.csv", b"\"a,b.png\",1\r\n\"say \"\"hi\"\".png\",2\r\n")
put("csv", "bad.csv", b"a.png,notanumber\n")
# Images: tiny PNG (RGB, grey, 16-bit), JPEG, BMP, TIFF, WebP, and a truncated JPEG.
def enc(im, fmt, **kw):
    b = io.BytesIO(); im.save(b, fmt, **kw); return b.getvalue()
rgb = Image.fromarray(rng.integers(0, 256, (6, 7, 3), dtype=np.uint8))
put("image", "rgb.png", enc(rgb, "PNG"))
put("image", "grey.png", enc(rgb.convert("L"), "PNG"))
put("image", "deep.png", enc(Image.fromarray((rng.integers(0, 65535, (5, 5))).astype(np.uint16)), "PNG"))
jpg = enc(rgb, "JPEG", quality=80)
put("image", "rgb.jpg", jpg)
put("image", "truncated.jpg", jpg[: len(jpg) // 2])
put("image", "rgb.bmp", enc(rgb, "BMP"))
put("image", "rgb.tif", enc(rgb, "TIFF"))
try:
    put("image", "rgb.webp", enc(rgb, "WEBP"))
except Exception:
    pass
# Sidecars.
put("sidecar", "full.json", b'{"input": [3, 64, 64], "preprocessing": {"preset": "imagenet", "resize": 72, "crop": 64, '
    b'"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}, "classes": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]}')
put("sidecar", "grey.json", b'{"preprocessing": {"channels": 1, "mean": [0.1307], "std": [0.3081]}}')
put("sidecar", "nan.json", b'{"input": [3, 1e400, -1], "classes": ["x"]}')
# Features files (.npz): stored and compressed, with every optional array; a float64 one without a head.
def npz(compressed=False, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()
f, z = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)
full = dict(features=f, logits=z, labels=np.array([0, 1, -1]), paths=np.array(["a.png", "b.png", "é.png"]),
            head_weight=rng.normal(size=(2, 4)).astype(np.float32), head_bias=np.zeros(2, np.float32),
            class_names=np.array(["cat", "dog"]), label_names=np.array(["cat", "dog"]))
put("features", "full.npz", npz(**full))
put("features", "compressed.npz", npz(True, **full))
put("features", "f64-nohead.npz", npz(features=f.astype(np.float64), logits=z.astype(np.float64)))
print("wrote the seed corpus under", root)
