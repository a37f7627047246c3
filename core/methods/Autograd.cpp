// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/internal/Autograd.h"

#include "common/Progress.h"

#include <torch/torch.h>

namespace oodlens {
namespace {

template <typename PerRow>
std::vector<double> perSample(const FeatureSet& set, const Head& head, ProgressSink* sink, const char* stage, PerRow perRow)
{
    torch::AutoGradMode enable(true);
    // Leaf copies of the head's parameters: gradients flow to W exactly as in the model's last layer.
    // Double precision, so that the reference is not limited by float32 rounding of 1 - p for
    // confident predictions (ExGrad's Gini term cancels catastrophically there).
    at::Tensor w = torch::from_blob(const_cast<float*>(head.weight.data()), {head.classes, head.dim}, torch::kFloat)
                       .to(torch::kDouble)
                       .requires_grad_(true);
    at::Tensor b = torch::from_blob(const_cast<float*>(head.bias.data()), {head.classes}, torch::kFloat).to(torch::kDouble);
    at::Tensor all = torch::from_blob(const_cast<float*>(set.features.data()),
                                      {static_cast<int64_t>(set.rows), static_cast<int64_t>(set.dim)}, torch::kFloat)
                         .to(torch::kDouble);
    std::vector<double> out(set.rows);
    for (std::size_t r = 0; r < set.rows; ++r) {
        if (r % 64 == 0) {
            throwIfCancelled(sink);
            if (sink)
                sink->update(stage, r, set.rows);
        }
        at::Tensor h = all[static_cast<int64_t>(r)].unsqueeze(0);
        at::Tensor z = torch::nn::functional::linear(h, w, b);
        out[r] = perRow(z, w);
    }
    if (sink)
        sink->update(stage, set.rows, set.rows);
    return out;
}

} // namespace

std::vector<double> gradnormAutograd(const FeatureSet& set, const Head& head, double temperature, ProgressSink* sink)
{
    return perSample(set, head, sink, "gradnorm (autograd)", [&](const at::Tensor& z, const at::Tensor& w) {
        const at::Tensor logp = torch::log_softmax(z / temperature, 1);
        // KL(u || p) = sum_c u_c (log u_c - log p_c); the log u term has no gradient.
        const at::Tensor loss = -(logp.sum() / static_cast<double>(z.size(1)));
        const at::Tensor g = torch::autograd::grad({loss}, {w})[0];
        return g.abs().sum().item<double>();
    });
}

std::vector<double> exgradAutograd(const FeatureSet& set, const Head& head, double temperature, ProgressSink* sink)
{
    return perSample(set, head, sink, "exgrad (autograd)", [&](const at::Tensor& z, const at::Tensor& w) {
        const at::Tensor logp = torch::log_softmax(z / temperature, 1);
        const at::Tensor p = logp.exp().detach();
        double total = 0;
        const int64_t classes = z.size(1);
        for (int64_t y = 0; y < classes; ++y) {
            const at::Tensor g = torch::autograd::grad({-logp[0][y]}, {w}, {}, /*retain_graph=*/y + 1 < classes)[0];
            total += p[0][y].item<double>() * g.abs().sum().item<double>();
        }
        return total;
    });
}

} // namespace oodlens
