// SPDX-License-Identifier: GPL-3.0-or-later
// The only place (with Autograd.cpp and Runtime.cpp) where LibTorch is included.
#include "Classifier.h"

#include "Error.h"
#include "Hash.h"
#include "Json.h"

#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace oodlens {
namespace {

std::string firstLine(const std::string& text)
{
    const auto pos = text.find('\n');
    return pos == std::string::npos ? text : text.substr(0, pos);
}

std::string shapeText(const at::Tensor& t)
{
    std::ostringstream out;
    out << "[";
    for (int64_t i = 0; i < t.dim(); ++i)
        out << (i ? ", " : "") << t.size(i);
    out << "]";
    return out.str();
}

// Candidate head names, most common first (torchvision: fc / classifier; timm: head / fc).
const char* const kHeadNames[] = {"fc", "head", "classifier", "linear", "last_linear"};

} // namespace

struct Classifier::Impl {
    torch::jit::Module module;
    torch::Device device{torch::kCPU};
    ModelInfo info;
    Head head;
    at::Tensor weight; // on device
    at::Tensor bias;
    enum class Style { TupleOutput, ForwardFeatures } style = Style::ForwardFeatures;

    // Runs the model, returning (logits, features), both 2-D float tensors on the device.
    std::pair<at::Tensor, at::Tensor> run(const at::Tensor& x)
    {
        if (style == Style::TupleOutput) {
            auto out = module.forward({x}).toTuple();
            return {out->elements()[0].toTensor(), out->elements()[1].toTensor()};
        }
        at::Tensor h = module.get_method("forward_features")({x}).toTensor();
        if (h.dim() > 2)
            h = h.flatten(1);
        // Logits from the verified head: one pass instead of forward() recomputing the features.
        return {at::linear(h.to(weight.dtype()), weight, bias), h};
    }
};

Classifier::Classifier() : d(std::make_unique<Impl>()) {}
Classifier::~Classifier() = default;

const ModelInfo& Classifier::info() const { return d->info; }
const Head& Classifier::head() const { return d->head; }

std::unique_ptr<Classifier> Classifier::load(const std::string& path, const std::string& device,
                                             const std::vector<int>& probeShape)
{
    std::unique_ptr<Classifier> self(new Classifier());
    Impl& m = *self->d;
    try {
        m.device = torch::Device(device);
    } catch (const c10::Error& e) {
        throw Error("unknown device '" + device + "' (expected cpu, cuda or cuda:N)");
    }
    if (m.device.is_cuda() && !torch::cuda::is_available())
        throw Error("device '" + device + "' requested but this LibTorch build has no CUDA device available");
    m.info.path = path;
    m.info.device = device;
    m.info.sha256 = sha256File(path); // also reports an unreadable file by name
    std::vector<int> sidecarShape;
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        for (const fs::path& candidate : {fs::path(path).replace_extension(".json"), fs::path(path + ".json")}) {
            if (!fs::is_regular_file(candidate, ec))
                continue;
            const Json sidecar = Json::parseFile(candidate.string());
            m.info.sidecarPath = candidate.string();
            if (sidecar.has("preprocessing"))
                m.info.defaultPreprocess = PreprocessSpec::fromJson(sidecar.get("preprocessing"), "'" + candidate.string() + "'");
            const Json& input = sidecar.get("input");
            if (input.isArray() && input.items().size() == 3)
                for (const Json& v : input.items())
                    sidecarShape.push_back(static_cast<int>(v.number()));
            break;
        }
    }
    try {
        m.module = torch::jit::load(path, m.device);
    } catch (const c10::Error& e) {
        throw Error("cannot load model '" + path + "': not a TorchScript file (" + firstLine(e.what_without_backtrace()) + ")");
    } catch (const std::exception& e) {
        throw Error("cannot load model '" + path + "': " + firstLine(e.what()));
    }
    m.module.eval();
    torch::NoGradGuard noGrad;

    // Probe forward: find an input shape the model accepts and what its forward returns.
    std::vector<std::vector<int64_t>> shapes;
    if (probeShape.size() == 3)
        shapes.push_back({2, probeShape[0], probeShape[1], probeShape[2]});
    else if (sidecarShape.size() == 3)
        shapes.push_back({2, sidecarShape[0], sidecarShape[1], sidecarShape[2]});
    else
        shapes = {{2, 1, 28, 28}, {2, 3, 32, 32}, {2, 3, 224, 224}};
    torch::manual_seed(0);
    c10::IValue out;
    at::Tensor probe;
    std::string lastError;
    for (const auto& shape : shapes) {
        try {
            probe = torch::randn(shape).to(m.device);
            out = m.module.forward({probe});
            m.info.inputHint = {int(shape[1]), int(shape[2]), int(shape[3])};
            lastError.clear();
            break;
        } catch (const std::exception& e) {
            lastError = firstLine(e.what());
        }
    }
    if (!lastError.empty())
        throw Error("cannot run model '" + path + "' on a probe image (tried 1x28x28, 3x32x32, 3x224x224): " + lastError);

    at::Tensor logits, features;
    const bool hasForwardFeatures = m.module.find_method("forward_features").has_value();
    if (out.isTuple() && out.toTuple()->elements().size() >= 2 && out.toTuple()->elements()[0].isTensor() &&
        out.toTuple()->elements()[1].isTensor()) {
        m.style = Impl::Style::TupleOutput;
        logits = out.toTuple()->elements()[0].toTensor();
        features = out.toTuple()->elements()[1].toTensor();
        m.info.featureSource = "second output of forward(x) -> (logits, features)";
    } else if (out.isTensor() && hasForwardFeatures) {
        m.style = Impl::Style::ForwardFeatures;
        logits = out.toTensor();
        features = m.module.get_method("forward_features")({probe}).toTensor();
        if (features.dim() > 2)
            features = features.flatten(1);
        m.info.featureSource = "forward_features(x)";
    } else if (out.isTensor()) {
        throw Error("cannot find penultimate features in model '" + path +
                    "': forward(x) returns one tensor and the model exports no forward_features(x); export it with "
                    "forward returning (logits, features) or add @torch.jit.export forward_features (see README)");
    } else {
        throw Error("model '" + path + "' is not a classifier: forward(x) returns neither a tensor nor (logits, features)");
    }
    if (logits.dim() != 2 || logits.size(0) != probe.size(0))
        throw Error("model '" + path + "' is not a classifier: expected logits of shape [N, C], got " + shapeText(logits));
    if (features.dim() != 2 || features.size(0) != probe.size(0))
        throw Error("model '" + path + "': expected penultimate features of shape [N, D], got " + shapeText(features));
    const int64_t classes = logits.size(1), dim = features.size(1);

    // Find the head: a named linear layer first, else the last module with a [C, D] weight.
    std::string headName;
    at::Tensor weight, bias;
    auto weightOf = [&](const torch::jit::Module& mod, at::Tensor& w, at::Tensor& b) {
        if (!mod.hasattr("weight") || !mod.attr("weight").isTensor())
            return false;
        at::Tensor t = mod.attr("weight").toTensor();
        if (t.dim() != 2 || t.size(0) != classes || t.size(1) != dim)
            return false;
        w = t;
        b = mod.hasattr("bias") && mod.attr("bias").isTensor() ? mod.attr("bias").toTensor() : at::Tensor();
        return true;
    };
    for (const char* name : kHeadNames) {
        if (m.module.hasattr(name) && m.module.attr(name).isModule() &&
            weightOf(m.module.attr(name).toModule(), weight, bias)) {
            headName = name;
            break;
        }
    }
    if (headName.empty()) {
        for (const auto& child : m.module.named_modules()) {
            at::Tensor w, b;
            if (!child.name.empty() && weightOf(child.value, w, b)) {
                headName = child.name;
                weight = w;
                bias = b;
            }
        }
    }
    if (headName.empty())
        throw Error("cannot find the classifier head of model '" + path + "': no linear layer with a weight of shape [" +
                    std::to_string(classes) + ", " + std::to_string(dim) + "]");
    m.weight = weight.detach().to(m.device, torch::kFloat);
    m.bias = bias.defined() ? bias.detach().to(m.device, torch::kFloat) : torch::zeros({classes}, m.weight.options());

    // The head must reproduce the model's logits from the features, or the gradient factorisation
    // (and every feature-based score) would describe a different function.
    at::Tensor reproduced = at::linear(features.to(torch::kFloat), m.weight, m.bias);
    const double err = (reproduced - logits.to(torch::kFloat)).abs().max().item<double>();
    const double scale = 1.0 + logits.abs().max().item<double>();
    m.info.headCheckMaxError = err;
    if (!std::isfinite(err) || err > 1e-3 * scale)
        throw Error("model '" + path + "': head '" + headName + "' applied to the features does not reproduce the logits (max error " +
                    std::to_string(err) + "); the features are not the head's input");

    m.info.classes = static_cast<int>(classes);
    m.info.featureDim = static_cast<int>(dim);
    m.info.headName = headName;
    at::Tensor wCpu = m.weight.to(torch::kCPU).contiguous(), bCpu = m.bias.to(torch::kCPU).contiguous();
    m.head.classes = static_cast<int>(classes);
    m.head.dim = static_cast<int>(dim);
    m.head.weight.assign(wCpu.data_ptr<float>(), wCpu.data_ptr<float>() + wCpu.numel());
    m.head.bias.assign(bCpu.data_ptr<float>(), bCpu.data_ptr<float>() + bCpu.numel());
    return self;
}

void Classifier::forward(const float* input, int n, int c, int h, int w, std::vector<float>& logits,
                         std::vector<float>& features) const
{
    torch::InferenceMode guard;
    at::Tensor x = torch::from_blob(const_cast<float*>(input), {n, c, h, w}, torch::kFloat).to(d->device);
    std::pair<at::Tensor, at::Tensor> out;
    try {
        out = d->run(x);
    } catch (const std::exception& e) {
        throw Error("model '" + d->info.path + "' rejected an input batch of shape [" + std::to_string(n) + ", " +
                    std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]: " + firstLine(e.what()));
    }
    at::Tensor z = out.first.to(torch::kCPU, torch::kFloat).contiguous();
    at::Tensor f = out.second.to(torch::kCPU, torch::kFloat).contiguous();
    if (z.size(0) != n || f.size(0) != n || z.size(1) != d->info.classes || f.size(1) != d->info.featureDim)
        throw Error("model '" + d->info.path + "' returned outputs of an unexpected shape");
    logits.insert(logits.end(), z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    features.insert(features.end(), f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

} // namespace oodlens
