// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "features/Preprocess.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

// The final linear layer z = W h + b, copied out of the model (row-major C x D weight).
struct Head {
    int classes = 0;
    int dim = 0;
    std::vector<float> weight; // classes * dim
    std::vector<float> bias;   // classes (zeros when the layer has none)
};

// What model discovery found; printed by `oodlens-cli info`.
struct ModelInfo {
    std::string path;
    std::string sha256;          // of the model file
    int classes = 0;
    int featureDim = 0;
    std::string headName;        // e.g. "fc"
    std::string featureSource;   // how features were obtained, in words
    std::vector<int> inputHint;  // C, H, W when known (from a sidecar or the model), else empty
    // Where inputHint came from: the sidecar's "input", the caller's probe shape (the user's
    // preprocessing), or the first of the default probe shapes the model accepted (a guess).
    enum class InputSource { None, Sidecar, Option, Probe };
    InputSource inputSource = InputSource::None;
    // Whether the model also ran on a larger probe of the same channels (a network with global
    // pooling): then its input size is not fixed by the model.
    bool acceptsOtherSizes = false;
    std::string device;          // "cpu", "cuda", ...
    std::string sidecarPath;     // "<model>.json" next to the model, when present
    PreprocessSpec defaultPreprocess; // from the sidecar's "preprocessing" (unset when none)
    double headCheckMaxError = 0; // max |head(features) - logits| seen on the probe batch
    // The forward that extraction runs: the module frozen and optimised for inference (folded
    // batch norms, MKL-DNN on CPU) when its logits and features equal the plain module's to 1e-4
    // (relative) on the probe batch; else the plain module. `forwardNote` says which, and why.
    bool optimizedForward = false;
    std::string forwardNote;
};

// A TorchScript image classifier with access to its penultimate features.
//
// Supported conventions (checked in this order):
//  1. `forward(x)` returns a tuple `(logits, features)` (the head: `fc`, `head`, `classifier`, or the
//     last module with a 2-D `weight` of shape [C, D]);
//  2. `forward(x)` returns logits [N, C] computed by a final linear operation: the features are that
//     operation's input, found in the TorchScript graph (scripted, traced or frozen; torchvision's
//     `fc` / `classifier` / `classifier[3]`, timm's forward_features + forward_head, hand-written
//     addmm / matmul heads), and the head is its weight and bias. One forward pass per batch;
//  3. failing that, `forward_features(x) -> [N, D]` plus a linear head submodule as in 1.
// A sidecar JSON file next to the model (`model.json` for `model.pt`, or `model.pt.json`) may carry
// default preprocessing ({"preprocessing": {...}}, see PreprocessSpec::fromJson) and the input
// shape ({"input": [C, H, W]}); explicit options win over it.
// After loading, a probe batch checks that head(features) reproduces the logits; a model that
// fails the check, or does not output a 2-D [N, C] tensor, is refused with the reason.
// LibTorch stays inside the implementation file.
class Classifier {
public:
    // Throws Error naming the file when it is not a TorchScript classifier we can read.
    // `device` is "cpu" or a torch device string such as "cuda" / "cuda:1".
    // `probeShape` (C, H, W) is used for the probe forward; empty means the sidecar's "input", else the
    // usual sizes in turn (1x28x28, 3x32x32, 3x224x224, 3x64x64, 3x96x96, 3x128x128, 3x256x256,
    // 3x299x299, 3x384x384, 1x32x32, 1x64x64): the first the model accepts is its input hint.
    static std::unique_ptr<Classifier> load(const std::string& path, const std::string& device = "cpu",
                                            const std::vector<int>& probeShape = {});
    // A classifier known only by its last layer, for features extracted elsewhere (a "features"
    // dataset: features/FeaturesFile.h): info() describes `source` (sha256 = SHA-256 of the head's
    // shape and values, so statistics fitted under another head never mix), every method that
    // needs features, logits and the head works, and forward(), odinScores() and
    // fullBackwardGradNorms() throw Error saying that images and a model are needed.
    // Throws Error when the head is empty or its sizes do not match.
    static std::unique_ptr<Classifier> fromHead(Head head, const std::string& source);
    // False for fromHead(): there is no network to run on images.
    bool hasNetwork() const;
    ~Classifier();
    Classifier(const Classifier&) = delete;
    Classifier& operator=(const Classifier&) = delete;

    const ModelInfo& info() const;
    const Head& head() const;

    // Runs a batch of n preprocessed images (n x c x h x w floats, contiguous). Appends n*classes
    // logits and n*featureDim features. Throws Error when the model rejects the input.
    void forward(const float* input, int n, int c, int h, int w, std::vector<float>& logits,
                 std::vector<float>& features) const;

    // ODIN (Liang et al., ICLR 2018) for a batch of n preprocessed images: perturb the input against
    // the gradient of the predicted class's log-softmax at temperature T,
    //   x' = x - eps * sign(-d log max_c softmax(z(x)/T)_c / dx) / std_channel,
    // then return max_c softmax(z(x')/T)_c per image. `stddev` is the per-channel normalisation std
    // (so eps is measured in [0,1] pixel units, as in the reference code); one backward per batch.
    std::vector<double> odinScores(const float* input, int n, int c, int h, int w, double temperature, double epsilon,
                                   const std::vector<float>& stddev) const;

    // GradNorm as its official code computes it (Huang et al., NeurIPS 2021), for each of n
    // preprocessed images on its own (batch 1): forward(x), the loss KL(u || softmax(z/T)) with u
    // uniform, backward through the whole network (every parameter's gradient, as loss.backward()
    // computes them), then the L1 norm of the last layer's weight gradient. One norm per image; it
    // equals the closed form (1/T) ||h||_1 ||softmax(z/T) - u||_1. Parameters that do not require a
    // gradient (a module saved for inference) are switched on for the call and restored after.
    // Throws Error when the model gives no gradient there: a head weight that is no parameter of
    // the model (frozen into a constant, computed in forward) or a graph without a gradient path.
    std::vector<double> fullBackwardGradNorms(const float* input, int n, int c, int h, int w,
                                              double temperature) const;

private:
    Classifier();
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace oodlens
