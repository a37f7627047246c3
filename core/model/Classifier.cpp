// SPDX-License-Identifier: GPL-3.0-or-later
// The only place (with ModelDiscovery.cpp, Autograd.cpp and Runtime.cpp) where LibTorch is included.
#include "model/Classifier.h"

#include "common/Error.h"
#include "common/internal/Hash.h"
#include "common/internal/RegularFile.h"
#include "io/Json.h"
#include "model/internal/TorchModel.h"
#include "run/Options.h"

#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace oodlens {
namespace {

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
    internal::LinearTap tap; // Style::GraphTap
    // The model parameter that is the head's weight (named_parameters' name), empty when the
    // weight is none (a frozen constant, or computed in forward).
    std::string headParameter;
    enum class Style { TupleOutput, GraphTap, ForwardFeatures } style = Style::GraphTap;
    bool headOnly = false; // Classifier::fromHead: no module to run

    // Throws, for fromHead(), that `what` needs the images and a model.
    void requireNetwork(const std::string& what) const
    {
        if (headOnly)
            throw Error(what + " needs the images and a model, and '" + info.path +
                        "' holds features only (give --model FILE and the image datasets)");
    }

    // The frozen, inference-optimised copy extraction runs (Classifier::forward), when it was
    // verified against the plain module; gradients (ODIN, the full backward) use the plain one.
    bool useFast = false;
    torch::jit::Module fast;
    internal::LinearTap fastTap;

    // (logits, features) through the optimised copy when there is one, else run().
    std::pair<at::Tensor, at::Tensor> runForInference(const at::Tensor& x)
    {
        if (!useFast)
            return run(x);
        if (style == Style::TupleOutput) {
            auto out = fast.forward({x}).toTuple();
            return {out->elements()[0].toTensor(), out->elements()[1].toTensor()};
        }
        internal::TapResult r = internal::runTap(fastTap, fast, x);
        return {r.output, r.features};
    }

    // Freezes the module and optimises it for inference (torch::jit::optimize_for_inference on
    // CPU; freezing alone on other devices), finds the features in the copy as in the plain module,
    // and keeps it only when it gives the plain module's logits and features on the probe batch.
    // OODLENS_PLAIN_FORWARD=1 keeps the plain module (to compare, or to rule the copy out).
    void prepareFastForward(const at::Tensor& probe, const at::Tensor& logits, const at::Tensor& features)
    {
        info.optimizedForward = false;
        if (const char* plain = std::getenv("OODLENS_PLAIN_FORWARD"); plain && std::string(plain) == "1") {
            info.forwardNote = "plain module (OODLENS_PLAIN_FORWARD=1)";
            return;
        }
        if (style == Style::ForwardFeatures) {
            info.forwardNote = "plain module (features from forward_features: not frozen)";
            return;
        }
        try {
            torch::NoGradGuard noGrad;
            torch::jit::Module copy = module.clone();
            copy.eval();
            copy = device.is_cpu() ? torch::jit::optimize_for_inference(copy) : torch::jit::freeze(copy);
            internal::LinearTap tapCopy;
            at::Tensor z, h;
            if (style == Style::TupleOutput) {
                auto out = copy.forward({probe}).toTuple();
                z = out->elements()[0].toTensor();
                h = out->elements()[1].toTensor();
            } else {
                std::string why;
                if (!internal::tapLastLinear(copy, tapCopy, why)) {
                    info.forwardNote = "plain module (the optimised graph's features cannot be found: " + why + ")";
                    return;
                }
                const internal::TapResult r = internal::runTap(tapCopy, copy, probe);
                z = r.output;
                h = r.features;
            }
            auto close = [](const at::Tensor& a, const at::Tensor& b) {
                if (!a.defined() || a.sizes() != b.sizes())
                    return false;
                const at::Tensor x = a.to(torch::kCPU, torch::kFloat), y = b.to(torch::kCPU, torch::kFloat);
                const double err = (x - y).abs().max().item<double>();
                return std::isfinite(err) && err <= 1e-4 * std::max(1.0, y.abs().max().item<double>());
            };
            if (!close(z, logits) || !close(h, features)) {
                info.forwardNote = "plain module (the optimised module's logits or features differ from the plain "
                                   "module's by more than 1e-4 on the probe batch)";
                return;
            }
            fast = std::move(copy);
            fastTap = tapCopy;
            useFast = true;
            info.optimizedForward = true;
            info.forwardNote = std::string(device.is_cpu() ? "frozen and optimised for inference" : "frozen") +
                               " (logits and features equal the plain module's to 1e-4 on the probe batch)";
        } catch (const std::exception& e) {
            info.forwardNote = "plain module (freezing or optimising failed: " + internal::torchMessage(e) + ")";
        }
    }

    // Runs the model once, returning (logits, features), both 2-D tensors on the device.
    std::pair<at::Tensor, at::Tensor> run(const at::Tensor& x)
    {
        switch (style) {
        case Style::TupleOutput: {
            auto out = module.forward({x}).toTuple();
            return {out->elements()[0].toTensor(), out->elements()[1].toTensor()};
        }
        case Style::GraphTap: {
            internal::TapResult r = internal::runTap(tap, module, x);
            return {r.output, r.features};
        }
        case Style::ForwardFeatures:
            break;
        }
        at::Tensor h = module.get_method("forward_features")({x}).toTensor();
        if (h.dim() > 2)
            h = h.flatten(1);
        // Logits from the verified head: one pass instead of forward() recomputing the features.
        return {at::linear(h.to(weight.dtype()), weight, bias), h};
    }
};

namespace {

// max |W h + b - logits| over the batch.
double headError(const at::Tensor& features, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& logits)
{
    at::Tensor reproduced = at::linear(features.to(torch::kFloat), weight.to(torch::kFloat),
                                       bias.defined() ? bias.to(torch::kFloat) : at::Tensor());
    return (reproduced - logits.to(torch::kFloat)).abs().max().item<double>();
}

bool headReproduces(double err, const at::Tensor& logits)
{
    return std::isfinite(err) && err <= 1e-3 * (1.0 + logits.abs().max().item<double>());
}

std::string number(double v)
{
    std::ostringstream out;
    out.precision(4);
    out << v;
    return out.str();
}

// A head found by name (fc, head, classifier, ...) or, failing that, the last module whose weight is [C, D].
bool findHeadModule(const torch::jit::Module& module, int64_t classes, int64_t dim, std::string& name,
                    at::Tensor& weight, at::Tensor& bias)
{
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
    for (const char* candidate : kHeadNames) {
        if (module.hasattr(candidate) && module.attr(candidate).isModule() &&
            weightOf(module.attr(candidate).toModule(), weight, bias)) {
            name = candidate;
            return true;
        }
    }
    name.clear();
    for (const auto& child : module.named_modules()) {
        at::Tensor w, b;
        if (!child.name.empty() && weightOf(child.value, w, b)) {
            name = child.name;
            weight = w;
            bias = b;
        }
    }
    return !name.empty();
}

// The name of the head for `info`: the weight's attribute path without ".weight", else the parameter
// that shares the weight's storage.
std::string headNameOf(const internal::LinearTap& tap, const torch::jit::Module& module, const at::Tensor& weight)
{
    const std::string suffix = ".weight";
    if (tap.weightPath.size() > suffix.size() &&
        tap.weightPath.compare(tap.weightPath.size() - suffix.size(), suffix.size(), suffix) == 0)
        return tap.weightPath.substr(0, tap.weightPath.size() - suffix.size());
    if (!tap.weightPath.empty())
        return tap.weightPath;
    for (const auto& p : module.named_parameters(true))
        if (p.value.data_ptr() == weight.data_ptr() && p.value.numel() == weight.numel())
            return p.name;
    return tap.weightConstant ? "(frozen constant)" : "(computed in forward)";
}

struct Found {
    at::Tensor logits, features, weight, bias;
    std::string headName, featureSource;
    double headError = 0;
    internal::LinearTap tap; // set by the graph route
};

// Route 1: the input of the last linear op that feeds forward's output, tapped in the TorchScript graph.
bool fromGraph(const torch::jit::Module& module, const at::Tensor& probe, Found& f, std::string& why)
{
    internal::LinearTap tap;
    if (!internal::tapLastLinear(module, tap, why))
        return false;
    internal::TapResult r;
    try {
        r = internal::runTap(tap, module, probe);
    } catch (const std::exception& e) {
        why = "forward rewritten to return the head's input failed on the probe batch: " + internal::torchMessage(e);
        return false;
    }
    const std::string name = headNameOf(tap, module, r.weight);
    const bool named = name.front() != '(';
    const std::string op =
        "the last linear op in forward (" +
        (named ? name + (tap.op == "aten::linear" ? "" : ", " + tap.op)
               : tap.op + ", weight " + (tap.weightConstant ? "a frozen constant" : "computed in forward")) +
        ")";
    const at::Tensor& z = r.output;
    if (z.dim() != 2 || z.size(0) != probe.size(0)) {
        why = "forward returns " + shapeText(z) + " through the rewritten graph";
        return false;
    }
    if (r.features.dim() != 2 || r.features.size(0) != probe.size(0)) {
        why = "the head's input is not a [N, D] tensor: " + op + " takes " + shapeText(r.features);
        return false;
    }
    const int64_t classes = z.size(1), dim = r.features.size(1);
    if (r.weight.dim() != 2 || r.weight.size(0) != classes || r.weight.size(1) != dim) {
        why = op + " has a weight of shape " + shapeText(r.weight) + " where [C, D] = [" + std::to_string(classes) +
              ", " + std::to_string(dim) + "] was expected";
        return false;
    }
    at::Tensor bias = r.bias;
    if (bias.defined()) {
        if (bias.numel() != classes) {
            why = op + " adds a bias of shape " + shapeText(bias) + ", expected [" + std::to_string(classes) + "]";
            return false;
        }
        bias = bias.reshape({classes});
    }
    const double err = headError(r.features, r.weight, bias, z);
    if (!headReproduces(err, z)) {
        why = "head(features) differs from the logits by " + number(err) + " (max abs, logits up to " +
              number(z.abs().max().item<double>()) + "): forward changes the logits after " + op +
              ", e.g. with a temperature or a softmax";
        return false;
    }
    f.logits = z;
    f.features = r.features;
    f.weight = r.weight;
    f.bias = bias;
    f.headName = name;
    f.headError = err;
    f.featureSource = "input of " + op + ", found in the TorchScript graph";
    if (module.find_method("forward_features")) {
        // Say whether the model's own forward_features agrees (timm's returns the unpooled map).
        try {
            const at::Tensor ff = module.get_method("forward_features")({probe}).toTensor();
            if (ff.sizes() == r.features.sizes() && ff.to(torch::kFloat).allclose(r.features.to(torch::kFloat)))
                f.featureSource += "; equals forward_features(x)";
            else
                f.featureSource += "; forward_features(x) returns " + shapeText(ff) + ", not used";
        } catch (const std::exception&) {
        }
    }
    f.tap = tap;
    return true;
}

// Route 2 (models the graph route cannot read): forward_features(x) -> [N, D] and a linear head module.
bool fromForwardFeatures(const torch::jit::Module& module, const at::Tensor& probe, const at::Tensor& logits, Found& f,
                         std::string& why)
{
    at::Tensor h;
    try {
        h = module.get_method("forward_features")({probe}).toTensor();
    } catch (const std::exception& e) {
        why = "forward_features(x) failed: " + internal::torchMessage(e);
        return false;
    }
    if (h.dim() > 2)
        h = h.flatten(1);
    if (h.dim() != 2 || h.size(0) != probe.size(0)) {
        why = "forward_features(x) returns " + shapeText(h) + ", not [N, D]";
        return false;
    }
    const int64_t classes = logits.size(1), dim = h.size(1);
    if (!findHeadModule(module, classes, dim, f.headName, f.weight, f.bias)) {
        why = "forward_features(x) gives " + shapeText(h) + " but no linear layer has a weight of shape [" +
              std::to_string(classes) + ", " + std::to_string(dim) + "]";
        return false;
    }
    const double err = headError(h, f.weight, f.bias, logits);
    if (!headReproduces(err, logits)) {
        why = "head '" + f.headName + "' applied to forward_features(x) differs from the logits by " + number(err);
        return false;
    }
    f.logits = logits;
    f.features = h;
    f.headError = err;
    f.featureSource = "forward_features(x), head '" + f.headName + "' found by name";
    return true;
}

// A sidecar's "input": [C, H, W] with C 1 or 3 and H, W whole numbers from 1 to 100000, checked
// by the preprocessing rules (run/Options.h) before anything becomes an int. Absent: {}.
std::vector<int> sidecarInputShape(const Json& input, const std::string& file)
{
    if (input.isNull())
        return {};
    const ValueSource where{file};
    if (!input.isArray() || input.items().size() != 3)
        throw Error(where.name("input", "") + " must be [channels, height, width]");
    for (const Json& v : input.items())
        if (!v.isNumber())
            throw Error(where.name("input", "") + " must be [channels, height, width], three whole numbers");
    static const IntSetting channels{"input[0] (channels)", "", 1, 3};
    static const IntSetting height{"input[1] (height)", "", 1, 100000};
    static const IntSetting width{"input[2] (width)", "", 1, 100000};
    const int c = checkInt(input.items()[0].number(), channels, where, false);
    if (c != 1 && c != 3)
        throw Error(where.name(channels) + " must be 1 or 3 (got " + std::to_string(c) + ")");
    return {c, checkInt(input.items()[1].number(), height, where, false),
            checkInt(input.items()[2].number(), width, where, false)};
}

} // namespace

Classifier::Classifier() : d(std::make_unique<Impl>()) {}
Classifier::~Classifier() = default;

std::unique_ptr<Classifier> Classifier::fromHead(Head head, const std::string& source)
{
    if (head.classes < 1 || head.dim < 1 || head.weight.size() != std::size_t(head.classes) * head.dim)
        throw Error("'" + source + "': head_weight must be [classes, dim] with classes and dim at least 1");
    if (head.bias.empty())
        head.bias.assign(std::size_t(head.classes), 0.0f);
    if (head.bias.size() != std::size_t(head.classes))
        throw Error("'" + source + "': head_bias has " + std::to_string(head.bias.size()) + " values for " +
                    std::to_string(head.classes) + " classes");
    std::unique_ptr<Classifier> self(new Classifier());
    Impl& m = *self->d;
    m.headOnly = true;
    Sha256 h;
    const std::string shape = "head " + std::to_string(head.classes) + "x" + std::to_string(head.dim) + "\n";
    h.update(shape);
    h.update(head.weight.data(), head.weight.size() * sizeof(float));
    h.update(head.bias.data(), head.bias.size() * sizeof(float));
    m.info.path = source;
    m.info.sha256 = h.hexDigest();
    m.info.classes = head.classes;
    m.info.featureDim = head.dim;
    m.info.headName = "head_weight / head_bias";
    m.info.featureSource = "read from '" + source + "' (extracted elsewhere)";
    m.info.device = "cpu";
    m.info.forwardNote = "no network: the features and logits were read from '" + source + "'";
    m.head = std::move(head);
    return self;
}

bool Classifier::hasNetwork() const { return !d->headOnly; }

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
    // A FIFO or a device (/dev/zero) would block or be read forever: only a regular file is a model.
    requireRegularFile(path, "cannot load model");
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
            // {"mean": [...]} beside "input" looks right and would be ignored: the model would run on
            // unnormalised pixels while the user believes otherwise.
            for (const std::string& key : PreprocessSpec::jsonKeys())
                if (sidecar.isObject() && sidecar.has(key))
                    throw Error("model sidecar '" + candidate.string() + "': \"" + key +
                                "\" belongs inside \"preprocessing\" ({\"input\": [C, H, W], \"preprocessing\": {\"" +
                                key + "\": ...}}); at the top level it would be ignored");
            if (sidecar.has("preprocessing"))
                m.info.defaultPreprocess = PreprocessSpec::fromJson(sidecar.get("preprocessing"), candidate.string());
            sidecarShape = sidecarInputShape(sidecar.get("input"), candidate.string());
            break;
        }
    }
    try {
        m.module = torch::jit::load(path, m.device);
    } catch (const c10::Error& e) {
        throw Error("cannot load model '" + path + "': not a TorchScript file (" +
                    internal::torchMessage(e) + ")");
    } catch (const std::exception& e) {
        throw Error("cannot load model '" + path + "': " + internal::torchMessage(e));
    }
    m.module.eval();
    torch::NoGradGuard noGrad;
    const std::string hint = internal::compatibilityHint();

    // Probe forward: find an input shape the model accepts and what its forward returns.
    std::vector<std::vector<int64_t>> shapes;
    using Source = ModelInfo::InputSource;
    Source source = Source::Probe;
    if (probeShape.size() == 3) {
        shapes.push_back({2, probeShape[0], probeShape[1], probeShape[2]});
        source = Source::Option;
    } else if (sidecarShape.size() == 3) {
        shapes.push_back({2, sidecarShape[0], sidecarShape[1], sidecarShape[2]});
        source = Source::Sidecar;
    } else {
        // The usual input sizes, most common first: MNIST, CIFAR, ImageNet, then the sizes of
        // small custom and Inception/ViT-style nets. A model with global pooling takes the first.
        for (const auto& [c, side] : std::vector<std::pair<int64_t, int64_t>>{
                 {1, 28}, {3, 32}, {3, 224}, {3, 64}, {3, 96}, {3, 128}, {3, 256}, {3, 299}, {3, 384}, {1, 32}, {1, 64}})
            shapes.push_back({2, c, side, side});
    }
    torch::manual_seed(0);
    c10::IValue out;
    at::Tensor probe;
    std::string lastError, tried;
    for (const auto& shape : shapes) {
        tried += (tried.empty() ? "" : ", ") + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + "x" +
                 std::to_string(shape[3]);
        try {
            probe = torch::randn(shape).to(m.device);
            out = m.module.forward({probe});
            m.info.inputHint = {int(shape[1]), int(shape[2]), int(shape[3])};
            m.info.inputSource = source;
            lastError.clear();
            break;
        } catch (const std::exception& e) {
            lastError = internal::torchMessage(e);
        }
    }
    if (!lastError.empty())
        throw Error("cannot run model '" + path + "' on a probe image (tried " + tried + "): " + lastError);
    // Does the input size matter to the model (a flatten into a linear layer) or not (global
    // pooling)? One more probe, larger and not square, tells; the probe above stays the one used.
    try {
        const auto& h = m.info.inputHint;
        const at::Tensor other = torch::randn({1, h[0], h[1] + 13, h[2] + 29}).to(m.device);
        const c10::IValue o = m.module.forward({other});
        const at::Tensor z = o.isTuple() && !o.toTuple()->elements().empty() && o.toTuple()->elements()[0].isTensor()
                                 ? o.toTuple()->elements()[0].toTensor()
                                 : (o.isTensor() ? o.toTensor() : at::Tensor());
        m.info.acceptsOtherSizes = z.defined() && z.dim() == 2 && z.size(0) == 1;
    } catch (const std::exception&) {
        m.info.acceptsOtherSizes = false;
    }

    Found f;
    if (out.isTuple() && out.toTuple()->elements().size() >= 2 && out.toTuple()->elements()[0].isTensor() &&
        out.toTuple()->elements()[1].isTensor()) {
        m.style = Impl::Style::TupleOutput;
        f.logits = out.toTuple()->elements()[0].toTensor();
        f.features = out.toTuple()->elements()[1].toTensor();
        f.featureSource = "second output of forward(x) -> (logits, features)";
        if (f.logits.dim() != 2 || f.logits.size(0) != probe.size(0))
            throw Error("model '" + path + "' is not a classifier: expected logits of shape [N, C], got " +
                        shapeText(f.logits) + " (" + hint + ")");
        if (f.features.dim() != 2 || f.features.size(0) != probe.size(0))
            throw Error("model '" + path +
                        "': expected penultimate features of shape [N, D] as forward's second output, got " +
                        shapeText(f.features) + " (" + hint + ")");
        const int64_t classes = f.logits.size(1), dim = f.features.size(1);
        if (!findHeadModule(m.module, classes, dim, f.headName, f.weight, f.bias))
            throw Error("cannot find the classifier head of model '" + path +
                        "': no linear layer with a weight of shape [" + std::to_string(classes) + ", " +
                        std::to_string(dim) + "] (" + hint + ")");
        // The head must reproduce the model's logits from the features, or the gradient factorisation
        // (and every feature-based score) would describe a different function.
        f.headError = headError(f.features, f.weight, f.bias, f.logits);
        if (!headReproduces(f.headError, f.logits))
            throw Error(
                "model '" + path + "': head '" + f.headName +
                "' applied to the features does not reproduce the logits: head(features) differs from the logits by " +
                number(f.headError) + "; the features are not the head's input (" + hint + ")");
    } else if (out.isTensor()) {
        const at::Tensor logits = out.toTensor();
        if (logits.dim() != 2 || logits.size(0) != probe.size(0))
            throw Error("model '" + path + "' is not a classifier: forward(x) returns a tensor of shape " +
                        shapeText(logits) + " where logits [N, C] were expected (" + hint + ")");
        std::string graphWhy, featuresWhy;
        const bool hasForwardFeatures = m.module.find_method("forward_features").has_value();
        if (fromGraph(m.module, probe, f, graphWhy)) {
            m.style = Impl::Style::GraphTap;
            m.tap = f.tap;
        } else if (hasForwardFeatures && fromForwardFeatures(m.module, probe, logits, f, featuresWhy)) {
            m.style = Impl::Style::ForwardFeatures;
        } else {
            throw Error("cannot find the penultimate features of model '" + path + "': " + graphWhy +
                        (hasForwardFeatures ? "; and " + featuresWhy : std::string()) + " (" + hint + ")");
        }
    } else {
        throw Error("model '" + path +
                    "' is not a classifier: forward(x) returns neither a tensor nor (logits, features) (" + hint + ")");
    }

    const int64_t classes = f.logits.size(1), dim = f.features.size(1);
    for (const auto& p : m.module.named_parameters(true))
        if (p.value.data_ptr() == f.weight.data_ptr() && p.value.numel() == f.weight.numel())
            m.headParameter = p.name;
    m.weight = f.weight.detach().to(m.device, torch::kFloat).contiguous();
    m.bias = f.bias.defined() ? f.bias.detach().to(m.device, torch::kFloat).reshape({classes})
                              : torch::zeros({classes}, m.weight.options());
    m.info.classes = static_cast<int>(classes);
    m.info.featureDim = static_cast<int>(dim);
    m.info.headName = f.headName;
    m.info.featureSource = f.featureSource;
    m.info.headCheckMaxError = f.headError;
    at::Tensor wCpu = m.weight.to(torch::kCPU).contiguous(), bCpu = m.bias.to(torch::kCPU).contiguous();
    m.head.classes = static_cast<int>(classes);
    m.head.dim = static_cast<int>(dim);
    m.head.weight.assign(wCpu.data_ptr<float>(), wCpu.data_ptr<float>() + wCpu.numel());
    m.head.bias.assign(bCpu.data_ptr<float>(), bCpu.data_ptr<float>() + bCpu.numel());
    m.prepareFastForward(probe, f.logits, f.features);
    return self;
}

void Classifier::forward(const float* input, int n, int c, int h, int w, std::vector<float>& logits,
                         std::vector<float>& features) const
{
    d->requireNetwork("extracting features");
    torch::InferenceMode guard;
    at::Tensor x = torch::from_blob(const_cast<float*>(input), {n, c, h, w}, torch::kFloat).to(d->device);
    std::pair<at::Tensor, at::Tensor> out;
    try {
        out = d->runForInference(x);
    } catch (const std::exception& e) {
        throw Error("model '" + d->info.path + "' rejected an input batch of shape [" + std::to_string(n) + ", " +
                    std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) +
                    "]: " + internal::torchMessage(e));
    }
    at::Tensor z = out.first.to(torch::kCPU, torch::kFloat).contiguous();
    at::Tensor f = out.second.to(torch::kCPU, torch::kFloat).contiguous();
    if (z.size(0) != n || f.size(0) != n || z.size(1) != d->info.classes || f.size(1) != d->info.featureDim)
        throw Error("model '" + d->info.path + "' returned outputs of an unexpected shape");
    logits.insert(logits.end(), z.data_ptr<float>(), z.data_ptr<float>() + z.numel());
    features.insert(features.end(), f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

std::vector<double> Classifier::odinScores(const float* input, int n, int c, int h, int w, double temperature,
                                           double epsilon, const std::vector<float>& stddev) const
{
    d->requireNetwork("ODIN");
    torch::AutoGradMode enable(true);
    at::Tensor x = torch::from_blob(const_cast<float*>(input), {n, c, h, w}, torch::kFloat)
                       .to(d->device)
                       .clone()
                       .requires_grad_(true);
    std::vector<double> out;
    try {
        const at::Tensor logits = d->run(x).first;
        // Cross-entropy with the predicted label = -log max softmax; the perturbation descends it.
        const at::Tensor loss = -std::get<0>(torch::log_softmax(logits / temperature, 1).max(1)).sum();
        const at::Tensor grad = torch::autograd::grad({loss}, {x})[0];
        at::Tensor step = grad.sign();
        if (!stddev.empty()) {
            std::vector<float> perChannel(c);
            for (int k = 0; k < c; ++k)
                perChannel[k] = stddev[std::min<std::size_t>(k, stddev.size() - 1)];
            step = step / torch::tensor(perChannel, torch::kFloat).to(d->device).view({1, c, 1, 1});
        }
        const at::Tensor perturbed = (x.detach() - epsilon * step).detach();
        torch::NoGradGuard noGrad;
        const at::Tensor p = torch::softmax(d->run(perturbed).first.to(torch::kDouble) / temperature, 1);
        const at::Tensor best = std::get<0>(p.max(1)).to(torch::kCPU).contiguous();
        out.assign(best.data_ptr<double>(), best.data_ptr<double>() + best.numel());
    } catch (const c10::Error& e) {
        throw Error("model '" + d->info.path + "': ODIN needs the input gradient, which failed: " +
                    internal::torchMessage(e));
    }
    return out;
}

std::vector<double> Classifier::fullBackwardGradNorms(const float* input, int n, int c, int h, int w,
                                                      double temperature) const
{
    d->requireNetwork("the full-network backward of GradNorm's cost probe");
    const std::string what = "model '" + d->info.path + "': the full-network backward ";
    if (d->headParameter.empty())
        throw Error(what + "has no weight gradient to read: the last layer's weight is not a parameter of the model "
                           "(frozen into a constant, or computed in forward)");
    torch::AutoGradMode enable(true);
    std::vector<at::Tensor> params;
    std::vector<bool> required;
    at::Tensor headWeight;
    for (const auto& p : d->module.named_parameters(true)) {
        params.push_back(p.value);
        required.push_back(p.value.requires_grad());
        if (p.name == d->headParameter)
            headWeight = p.value;
    }
    // Every parameter takes part, as in training code; restored however the call ends.
    struct Restore {
        std::vector<at::Tensor>& params;
        const std::vector<bool>& required;
        ~Restore()
        {
            for (std::size_t i = 0; i < params.size(); ++i) {
                params[i].mutable_grad() = at::Tensor();
                params[i].requires_grad_(required[i]);
            }
        }
    } restore{params, required};
    for (at::Tensor& p : params)
        if (p.is_leaf())
            p.requires_grad_(true);
    const std::size_t block = static_cast<std::size_t>(c) * h * w;
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(std::max(0, n)));
    try {
        for (int i = 0; i < n; ++i) {
            for (at::Tensor& p : params)
                p.mutable_grad() = at::Tensor(); // model.zero_grad()
            const at::Tensor x =
                torch::from_blob(const_cast<float*>(input + i * block), {1, c, h, w}, torch::kFloat).to(d->device);
            const c10::IValue o = d->module.forward({x});
            const at::Tensor z = o.isTuple() ? o.toTuple()->elements()[0].toTensor() : o.toTensor();
            // KL(u || softmax(z/T)) = sum_c u_c (log u_c - log p_c); the log u term has no gradient.
            // The loss in double precision, as the closed form is computed: softmax(z/T) - u cancels
            // in float32 when the prediction is nearly uniform. The network's backward stays float32.
            const at::Tensor logp = torch::log_softmax(z.to(torch::kDouble) / temperature, 1);
            const at::Tensor loss = -(logp.sum() / static_cast<double>(z.size(1)));
            loss.backward();
            const at::Tensor g = headWeight.grad();
            if (!g.defined())
                throw Error(what + "left no gradient on the last layer's weight '" + d->headParameter + "'");
            out.push_back(g.abs().sum().item<double>());
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(what + "failed: " + internal::torchMessage(e));
    }
    return out;
}

} // namespace oodlens
