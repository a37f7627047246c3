#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages OOD Lens needs to build, run and test. Idempotent: when
# everything is present it only checks (a second or two) and installs nothing.
#
#   packaging/install-deps.sh            everything (build, GUI, tests)
#   packaging/install-deps.sh --headless core + CLI and their tests only (no Qt), e.g. on GPU servers
#   packaging/install-deps.sh --list     print the package list and exit
set -euo pipefail

build=(build-essential cmake ninja-build pkg-config libgtest-dev)   # GoogleTest: the core and CLI tests, headless too
core=(libtorch-dev libopenblas0-pthread libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev zlib1g-dev libfaiss-dev libzip-dev)
# libzip-dev: the "features" dataset kind reads and writes NumPy .npz files
# libfaiss-dev: the neighbour search of KNN and NNGuide (exact flat inner product, optional IVF)
gui=(qt6-base-dev qt6-svg-dev qt6-qpa-plugins libqcustomplot-dev libgl-dev fonts-dejavu-core xvfb xauth)
tests=(python3 python3-numpy python3-torch python3-torchvision python3-sklearn poppler-utils chromium clang libclang-rt-14-dev slurm-wlm munge)
# slurm-wlm, munge: tests/slurm starts a one-node Slurm on localhost and runs packaging/slurm's job array;
# poppler-utils: pdffonts checks that figures embed their fonts, pdftoppm renders report.pdf;
# chromium: test_report renders report.html (chromium --headless --screenshot); clang: the asan preset and its libFuzzer targets

packages=("${build[@]}" "${core[@]}")
case "${1:-}" in
  --headless) ;;
  --list) printf '%s\n' "${build[@]}" "${core[@]}" "${gui[@]}" "${tests[@]}"; exit 0 ;;
  ""|--all) packages+=("${gui[@]}" "${tests[@]}") ;;
  *) echo "usage: $0 [--headless|--list]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
