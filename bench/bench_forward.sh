#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench_forward.sh [WORK_DIR]: OOD Lens end to end against an eager PyTorch script on the same model
# and images, in one run (issue 15, benchmark a). Cases:
#   r18: a torchvision ResNet-18 traced at 64x64, 3,000 PNGs (1,500 ID + 1,500 OOD);
#   r50: a torchvision ResNet-50 traced at 224x224, 500 JPEGs (250 + 250).
# Each case is timed three ways, cold (no feature cache), with MSP, Energy and GradNorm:
#   eager:  /usr/bin/python3 — ImageFolder + PIL decode + torchvision transforms, eager module
#           forward in batches of 128 with the penultimate features from a forward hook, the
#           three scores in closed form (GradNorm = ||1/C - softmax||_1 * ||h||_1);
#   plain:  oodlens-cli score with OODLENS_PLAIN_FORWARD=1 (the plain TorchScript module);
#   optimised: oodlens-cli score as shipped (frozen + optimize_for_inference, verified on the probe).
# Prints wall seconds and the ratios to eager. Both sides use every core (torch.set_num_threads;
# OOD Lens sets LibTorch's threads to the cores) and OpenBLAS pinned to 1 thread. Not part of CTest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/tmp/bench_forward}"
CLI="${OODLENS_CLI:-$ROOT/build/ci/bin/oodlens-cli}"
PY="${PYTHON3:-/usr/bin/python3}"
export OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK"
[ -x "$CLI" ] || { echo "no oodlens-cli at $CLI (set OODLENS_CLI)" >&2; exit 2; }

# --- models and images (random weights and images: the cost, not the accuracy, is measured) ----
"$PY" - "$WORK" <<'EOF'
import os, sys
import numpy as np, torch, torchvision
from PIL import Image
work = sys.argv[1]
rng = np.random.default_rng(0)
for name, arch, side, n, ext in (("r18", torchvision.models.resnet18, 64, 1500, "png"),
                                 ("r50", torchvision.models.resnet50, 224, 250, "jpg")):
    model = os.path.join(work, f"{name}.pt")
    if not os.path.exists(model):
        torch.manual_seed(0)
        m = arch(num_classes=10).eval()
        torch.jit.trace(m, torch.zeros(1, 3, side, side)).save(model)
    for part in ("id", "ood"):
        d = os.path.join(work, name, part, "x")
        if os.path.isdir(d) and len(os.listdir(d)) == n:
            continue
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            img = (rng.random((side, side, 3)) * 255).astype(np.uint8)
            Image.fromarray(img).save(os.path.join(d, f"{i:05d}.{ext}"), quality=90)
EOF

cat > "$WORK/eager.py" <<'EOF'
import os, sys, time
import torch, torchvision
from torchvision import transforms as T
model_name, side, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(os.cpu_count())
start = time.perf_counter()
arch = {"r18": torchvision.models.resnet18, "r50": torchvision.models.resnet50}[model_name]
torch.manual_seed(0)
m = arch(num_classes=10).eval()
feats = {}
m.fc.register_forward_hook(lambda mod, inp, out: feats.__setitem__("h", inp[0]))
tf = T.Compose([T.Resize(side), T.CenterCrop(side), T.ToTensor(),
                T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
scores = []
for part in ("id", "ood"):
    ds = torchvision.datasets.ImageFolder(os.path.join(root, part), transform=tf)
    dl = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=False, num_workers=0)
    with torch.no_grad():
        for x, _ in dl:
            z = m(x)
            h = feats["h"]
            p = torch.softmax(z, 1)
            msp = p.max(1).values
            energy = torch.logsumexp(z, 1)
            gradnorm = (1.0 / z.shape[1] - p).abs().sum(1) * h.abs().sum(1)
            scores.append(torch.stack([msp, energy, gradnorm], 1))
n = sum(s.shape[0] for s in scores)
print(f"{time.perf_counter() - start:.3f} {n}")
EOF

printf '%-5s %-10s %9s %9s\n' case run "wall s" "/ eager"
for spec in "r18 64 png" "r50 224 jpg"; do
    read -r name side _ <<<"$spec"
    data="$WORK/$name"
    eager=$("$PY" "$WORK/eager.py" "$name" "$side" "$data")
    eager_s=${eager% *}
    printf '%-5s %-10s %9.2f %9s\n' "$name" eager "$eager_s" "1.00"
    for mode in plain optimised; do
        plainflag=0
        [ "$mode" = plain ] && plainflag=1
        start=$(date +%s.%N)
        OODLENS_PLAIN_FORWARD=$plainflag "$CLI" score --model "$WORK/$name.pt" --id "$data/id" --ood "ood=$data/ood" \
            --preset imagenet --resize "$side" --crop "$side" --methods msp,energy,gradnorm --no-cache \
            --cost-probe 0 --out "$WORK/out-$name-$mode" >/dev/null 2>"$WORK/$name-$mode.log" \
            || { cat "$WORK/$name-$mode.log" >&2; exit 1; }
        end=$(date +%s.%N)
        wall=$(echo "$end - $start" | bc -l)
        printf '%-5s %-10s %9.2f %9.2f\n' "$name" "$mode" "$wall" "$(echo "$wall / $eager_s" | bc -l)"
    done
done
