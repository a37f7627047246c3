#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) OOD Lens contributors
"""Write the small TorchScript model fixtures used by tests/core/model/test_models.cpp.

Usage (from the repository root, with Debian's python3-torch and python3-torchvision):

    /usr/bin/python3 tools/make_model_fixtures.py [--out tests/fixtures/models]

No network and no pretrained weights: every model is randomly initialised with a fixed seed.
Each model mimics one export style the engine must understand without a wrapper:

    resnet_fc        torchvision ResNet structure (BasicBlock), avgpool + flatten + `fc`
    densenet         torchvision DenseNet (tiny config): `classifier` is a plain Linear
    mobilenetv3      torchvision MobileNetV3 (tiny config): `classifier` = Sequential(..., Linear) -> classifier.3
    vgg_style        VGG-like: classifier = Sequential(Dropout, Linear, ReLU, Linear) -> classifier.3
    timm_style       timm-like: forward_features -> [N, C, H, W], forward_head(x, pre_logits=False) pools + head.fc
    tuple_output     forward returns (logits, features)
    addmm_head       functional head: torch.addmm(bias, h, weight.t()) on raw parameters
    matmul_head      functional head: h @ W + b with W stored as [D, C]
    nobias_head      nn.Linear(bias=False) under an unusual name (`logits`)
    not_classifier   forward returns a 4-D map (refused)
    temperature      forward returns fc(h) / T (head does not reproduce the logits: refused)
    conv_head        SqueezeNet-like 1x1-conv head, no linear op (refused)
    rgb64            a custom RGB 64x64 net whose flatten fixes the input size (sidecar: input 3x64x64),
                     for `oodlens-cli figures/score` with --resize/--crop/--mean/--std (tests/app)

and the bundled demo (resources/demo/mnist_cnn.pt, forward_features + fc), referenced, not copied.
Model paths in the expected files are relative to the repository root.

`--only NAME[,NAME...]` writes just those models (and their expected files), leaving the others as
they are.

Each model is saved both traced (`<name>_traced.pt`) and scripted (`<name>_scripted.pt`); resnet_fc
and timm_style also frozen (`<name>_frozen.pt`, torch.jit.freeze: weights become graph constants). For each
model, `expected/<name>.json` records the input batch (written as raw float32 little-endian to
`expected/<name>.input.bin`, generated from the recorded seed), the eager-PyTorch logits and
penultimate features, and reference scores computed in float64 (GradNorm and ExGrad by autograd
through the head weight). Refused models record the reason instead.
"""

import argparse
import json
import os
import sys

# Scripted modules list their constants in set order: fix the hash seed so that the files are reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torchvision.models.densenet import DenseNet  # noqa: E402
from torchvision.models.mobilenetv3 import InvertedResidualConfig, MobileNetV3  # noqa: E402
from torchvision.models.resnet import BasicBlock, conv1x1  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 4
TEMPERATURE = 1.0


# --- Models -------------------------------------------------------------------------------------

class TinyResNet(nn.Module):
    """torchvision.models.ResNet's structure and forward, with widths 8 / 16 instead of 64 ... 512."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8))
        down = nn.Sequential(conv1x1(8, 16, 2), nn.BatchNorm2d(16))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2, downsample=down))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


def tiny_densenet(num_classes=7):
    return DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=num_classes)


def tiny_mobilenetv3(num_classes=5):
    cfg = [InvertedResidualConfig(8, 3, 8, 8, True, "RE", 2, 1, 1.0),
           InvertedResidualConfig(8, 3, 24, 16, False, "HS", 2, 1, 1.0)]
    # features end with a 1x1 conv to 6 * 16 = 96 channels; classifier: Linear(96, 24), Hardswish, Dropout, Linear.
    return MobileNetV3(cfg, last_channel=24, num_classes=num_classes)


class VggStyle(nn.Module):
    """torchvision VGG's layout (features, avgpool, flatten, classifier[0..3]) at toy size."""

    def __init__(self, num_classes=6):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 12, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(nn.Dropout(p=0.5), nn.Linear(12 * 2 * 2, 20), nn.ReLU(True),
                                        nn.Linear(20, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


class ClassifierHead(nn.Module):
    """timm.layers.ClassifierHead: pool + flatten + dropout + fc, with pre_logits."""

    def __init__(self, in_features, num_classes, drop_rate=0.2):
        super().__init__()
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.drop = nn.Dropout(drop_rate)
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x, pre_logits: bool = False):
        x = self.global_pool(x)
        x = self.flatten(x)
        x = self.drop(x)
        if pre_logits:
            return x
        return self.fc(x)


class TimmStyle(nn.Module):
    """timm's convention: forward_features -> [N, C, H, W]; forward_head does pooling + the linear head."""

    def __init__(self, num_classes=8):
        super().__init__()
        self.num_features = 24
        self.stem = nn.Sequential(nn.Conv2d(3, 12, 3, stride=2, padding=1), nn.BatchNorm2d(12), nn.ReLU())
        self.stages = nn.Sequential(nn.Conv2d(12, 24, 3, stride=2, padding=1), nn.BatchNorm2d(24), nn.GELU())
        self.head = ClassifierHead(self.num_features, num_classes)

    def forward_features(self, x):
        return self.stages(self.stem(x))

    def forward_head(self, x, pre_logits: bool = False):
        return self.head(x, pre_logits=pre_logits)

    def forward(self, x):
        x = self.forward_features(x)
        x = self.forward_head(x)
        return x


class TupleOutput(nn.Module):
    """Already supported convention: forward returns (logits, features)."""

    def __init__(self, num_classes=6):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                                  nn.Flatten(1))
        self.embed = nn.Linear(32, 20)
        self.head = nn.Linear(20, num_classes)

    def forward(self, x):
        h = F.relu(self.embed(self.body(x)))
        return self.head(h), h


class AddmmHead(nn.Module):
    """A hand-written head on raw parameters, as old exports traced it: addmm(b, h, W^T)."""

    def __init__(self, num_classes=9):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 10, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten(1))
        self.head_weight = nn.Parameter(torch.randn(num_classes, 10) * 0.3)
        self.head_bias = nn.Parameter(torch.randn(num_classes) * 0.1)

    def forward(self, x):
        return torch.addmm(self.head_bias, self.body(x), self.head_weight.t())


class MatmulHead(nn.Module):
    """A head stored transposed ([D, C]) and applied as h @ W + b."""

    def __init__(self, num_classes=4):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                                  nn.Flatten(1))
        self.head_w = nn.Parameter(torch.randn(24, num_classes) * 0.3)
        self.head_b = nn.Parameter(torch.randn(num_classes) * 0.1)

    def forward(self, x):
        return self.body(x) @ self.head_w + self.head_b


class NoBiasHead(nn.Module):
    """A bias-free head under an unusual name: logits = self.logits(h), nn.Linear(bias=False)."""

    def __init__(self, num_classes=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1),
                                  nn.Flatten(1))
        self.logits = nn.Linear(16, num_classes, bias=False)

    def forward(self, x):
        return self.logits(self.body(x))


class NotClassifier(nn.Module):
    """A segmentation-like network: forward returns a 4-D map."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 1))

    def forward(self, x):
        return self.net(x)


class TemperatureScaled(nn.Module):
    """A calibrated classifier: logits = fc(h) / T, so the head alone does not reproduce them."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten(1))
        self.fc = nn.Linear(8, num_classes)
        self.register_buffer("temperature", torch.tensor(1.5))

    def forward(self, x):
        return self.fc(self.body(x)) / self.temperature


class ConvHead(nn.Module):
    """SqueezeNet-like: the classes come from a 1x1 convolution and pooling; no linear op."""

    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(8, num_classes, 1), nn.ReLU(),
                                        nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class Rgb64(nn.Module):
    """A custom RGB classifier for 64x64 inputs only: the flatten before its MLP head fixes the size."""

    def __init__(self, num_classes=5):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.embed = nn.Linear(8 * 8 * 8, 16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        h = F.relu(self.embed(torch.flatten(self.body(x), 1)))
        return self.fc(h)


def features_before(linear):
    """Eager penultimate features: the input of `linear`, captured with a forward pre-hook."""
    def run(model, x):
        seen = []
        handle = linear(model).register_forward_pre_hook(lambda mod, inp: seen.append(inp[0]))
        logits = model(x)
        handle.remove()
        return logits, seen[-1]
    return run


def run_tuple(model, x):
    return model(x)


def run_body(model, x):
    return model(x), model.body(x)


# name -> make: factory; input: [C, H, W]; head: the name the engine must report; run(model, x) -> eager
# (logits, features); sidecar: write <file>.json with the input shape; frozen: also export torch.jit.freeze'd;
# refused: a phrase the engine's error message must contain.
MODELS = {
    "resnet_fc": dict(make=TinyResNet, input=[3, 32, 32], head="fc", frozen=True,
                      run=features_before(lambda m: m.fc)),
    "densenet": dict(make=tiny_densenet, input=[3, 32, 32], head="classifier",
                     run=features_before(lambda m: m.classifier)),
    "mobilenetv3": dict(make=tiny_mobilenetv3, input=[3, 32, 32], head="classifier.3",
                        run=features_before(lambda m: m.classifier[3])),
    "vgg_style": dict(make=VggStyle, input=[3, 32, 32], head="classifier.3",
                      run=features_before(lambda m: m.classifier[3])),
    "timm_style": dict(make=TimmStyle, input=[3, 40, 40], head="head.fc", sidecar=True, frozen=True,
                       run=lambda m, x: (m(x), m.forward_head(m.forward_features(x), pre_logits=True))),
    "tuple_output": dict(make=TupleOutput, input=[3, 32, 32], head="head", run=run_tuple),
    "addmm_head": dict(make=AddmmHead, input=[3, 32, 32], head="head_weight", run=run_body),
    "matmul_head": dict(make=MatmulHead, input=[3, 32, 32], head="head_w", run=run_body),
    "nobias_head": dict(make=NoBiasHead, input=[3, 32, 32], head="logits", run=run_body),
    "not_classifier": dict(make=NotClassifier, input=[3, 32, 32], refused="is not a classifier"),
    "temperature": dict(make=TemperatureScaled, input=[3, 32, 32], refused="differs from the logits"),
    "conv_head": dict(make=ConvHead, input=[3, 32, 32], refused="no linear operation"),
    "rgb64": dict(make=Rgb64, input=[3, 64, 64], head="fc", sidecar=True, run=features_before(lambda m: m.fc)),
}


# --- Reference computations ---------------------------------------------------------------------

def randomize_batchnorm(model):
    """Random running statistics so that eval-mode BatchNorm is not the identity."""
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.3, 0.3)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.7, 1.3)
            mod.bias.data.uniform_(-0.2, 0.2)


def head_tensors(model, name):
    """(W [C, D], b [C]) of the model's head, float64."""
    mod = model
    if name in ("head_weight", "head_w"):
        w = getattr(model, name)
        b = model.head_bias if name == "head_weight" else model.head_b
        return (w if name == "head_weight" else w.t()).double(), b.double()
    for part in name.split("."):
        mod = mod[int(part)] if part.isdigit() else getattr(mod, part)
    bias = mod.bias if mod.bias is not None else torch.zeros(mod.weight.shape[0])
    return mod.weight.double(), bias.double()


def reference_scores(logits, features, weight, bias, temperature):
    """Scores as in shared/reference/ood-methods.md, float64; gradients by autograd through W."""
    z = logits.double()
    h = features.double()
    classes = z.shape[1]
    p1 = torch.softmax(z, dim=1)
    out = {
        "msp": p1.max(dim=1).values,
        "maxlogit": z.max(dim=1).values,
        "energy": temperature * torch.logsumexp(z / temperature, dim=1),
        "feature_l1": h.abs().sum(dim=1),
    }
    gradnorm, exgrad = [], []
    for i in range(z.shape[0]):
        w = weight.detach().clone().requires_grad_(True)
        zi = (h[i:i + 1] @ w.t() + bias.detach()) / temperature
        logp = torch.log_softmax(zi, dim=1)[0]
        # KL(u || softmax) up to a constant: -(1/C) sum_c log p_c
        (g,) = torch.autograd.grad(-logp.mean(), w, retain_graph=True)
        gradnorm.append(g.abs().sum())
        p = logp.exp().detach()
        total = torch.zeros((), dtype=torch.float64)
        for y in range(classes):
            (gy,) = torch.autograd.grad(-logp[y], w, retain_graph=True)
            total = total + p[y] * gy.abs().sum()
        exgrad.append(total)
    out["gradnorm"] = torch.stack(gradnorm)
    out["exgrad"] = torch.stack(exgrad)
    return {k: [float(v) for v in vals] for k, vals in out.items()}


def make_input(seed, shape):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=torch.float32)


def rows(t):
    return [[float(v) for v in row] for row in t.detach().double()]


def write_input(path, x):
    x.contiguous().numpy().astype("<f4").tofile(path)


def export(name, spec, out_dir, expected_dir, seed):
    torch.manual_seed(seed)
    model = spec["make"]()
    randomize_batchnorm(model)
    model.eval()
    c, hgt, wid = spec["input"]
    x = make_input(seed + 1, [BATCH, c, hgt, wid])
    example = make_input(seed + 2, [2, c, hgt, wid])
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    scripted = torch.jit.script(model)
    exports = [("traced", traced), ("scripted", scripted)]
    if spec.get("frozen"):
        # torch.jit.freeze inlines the weights as constants (and folds BatchNorm into the convolutions).
        exports.append(("frozen", torch.jit.freeze(torch.jit.script(model))))
    variants = {}
    for variant, module in exports:
        file = "%s_%s.pt" % (name, variant)
        torch.jit.save(module, os.path.join(out_dir, file))
        variants[variant] = os.path.relpath(os.path.join(out_dir, file), REPO).replace(os.sep, "/")
        if spec.get("sidecar"):
            with open(os.path.join(out_dir, "%s_%s.json" % (name, variant)), "w") as f:
                json.dump({"input": spec["input"], "note": "written by tools/make_model_fixtures.py"}, f, indent=2)
                f.write("\n")
    doc = {
        "name": name,
        "description": (spec["make"].__doc__ or spec["make"].__name__).strip().split("\n")[0],
        "variants": variants,
    }
    if "refused" in spec:
        doc["refused"] = spec["refused"]
        return doc
    write_input(os.path.join(expected_dir, name + ".input.bin"), x)
    doc["input"] = {"file": name + ".input.bin", "seed": seed + 1, "shape": [BATCH, c, hgt, wid],
                    "dtype": "float32 little-endian", "generator": "torch.randn(shape, generator=manual_seed(seed))"}
    with torch.no_grad():
        logits, feats = spec["run"](model, x)
        for variant, module in exports:
            got = module(x)
            got = got[0] if isinstance(got, tuple) else got
            assert torch.allclose(got, logits, rtol=1e-4, atol=1e-5), (name, variant)
    weight, bias = head_tensors(model, spec["head"])
    assert torch.allclose(feats.double() @ weight.t() + bias, logits.double(), atol=1e-5), name
    doc.update(reference_doc(spec["head"], spec["input"], logits, feats, weight, bias))
    return doc


def reference_doc(head, input_hint, logits, feats, weight, bias):
    return {
        "classes": int(logits.shape[1]),
        "feature_dim": int(feats.shape[1]),
        "head": head,
        "input_hint": input_hint,
        "temperature": TEMPERATURE,
        "logits": rows(logits),
        "features": rows(feats),
        "scores": reference_scores(logits, feats, weight, bias, TEMPERATURE),
    }


def export_demo(expected_dir, seed):
    """References for the bundled demo model (forward_features + fc), which is not copied."""
    rel = os.path.join("resources", "demo", "mnist_cnn.pt")
    model = torch.jit.load(os.path.join(REPO, rel))
    model.eval()
    x = make_input(seed + 1, [BATCH, 1, 28, 28])
    name = "mnist_cnn_demo"
    write_input(os.path.join(expected_dir, name + ".input.bin"), x)
    with torch.no_grad():
        logits = model(x)
        feats = model.forward_features(x)
    weight, bias = model.fc.weight.double(), model.fc.bias.double()
    doc = {
        "name": name,
        "description": "the bundled demo model (forward_features + fc), resources/demo/mnist_cnn.pt",
        "variants": {"scripted": rel.replace(os.sep, "/")},
        "input": {"file": name + ".input.bin", "seed": seed + 1, "shape": [BATCH, 1, 28, 28],
                  "dtype": "float32 little-endian", "generator": "torch.randn(shape, generator=manual_seed(seed))"},
    }
    doc.update(reference_doc("fc", [1, 28, 28], logits, feats, weight, bias))
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "models"),
                    help="output directory (default: tests/fixtures/models)")
    ap.add_argument("--only", default="",
                    help="comma-separated model names to write (default: all, and the demo's references)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    only = [n for n in args.only.split(",") if n]
    for name in only:
        if name not in MODELS:
            ap.error("unknown model '%s' (one of %s)" % (name, ", ".join(MODELS)))
    expected_dir = os.path.join(args.out, "expected")
    os.makedirs(expected_dir, exist_ok=True)
    docs = []
    # The seed follows the position in MODELS, so that a model's files do not depend on --only.
    for i, (name, spec) in enumerate(MODELS.items()):
        if not only or name in only:
            docs.append(export(name, spec, args.out, expected_dir, seed=100 * (i + 1)))
    if not only:
        docs.append(export_demo(expected_dir, seed=5000))
    for doc in docs:
        with open(os.path.join(expected_dir, doc["name"] + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    total = 0
    for root, _, files in os.walk(args.out):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print("wrote %d fixtures to %s (%.0f KiB in all)" % (len(docs), args.out, total / 1024))


if __name__ == "__main__":
    main()
