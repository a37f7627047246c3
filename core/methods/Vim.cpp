// SPDX-License-Identifier: GPL-3.0-or-later
// ViM (Wang et al., CVPR 2022): energy minus the scaled norm of the features off the fit set's
// principal subspace.
#include "methods/Method.h"
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Vim final : public FittedScorer {
public:
    Vim(const FeatureSet& fit, const Head& head, int k, ProgressSink* sink) : w_(headWeight(head)), b_(headBias(head))
    {
        const int64_t d = fit.dim;
        if (k <= 0)
            k = d >= 1500 ? 1000 : static_cast<int>(d / 2);
        if (k >= d)
            throw Error("vim: the principal subspace dimension k = " + std::to_string(k) +
                        " must be smaller than the feature dimension " + std::to_string(d));
        // Origin: the point the head maps to zero logits, o = -pinv(W) b.
        origin_ = -at::linalg_pinv(w_).mv(b_);
        at::Tensor x = features(fit);
        at::Tensor cov = at::zeros({d, d}, at::kDouble);
        for (int64_t start = 0; start < x.size(0); start += kChunk) {
            throwIfCancelled(sink);
            at::Tensor c = x.slice(0, start, std::min<int64_t>(x.size(0), start + kChunk)) - origin_;
            cov.addmm_(c.t(), c);
        }
        cov /= static_cast<double>(x.size(0));
        auto [eigenvalues, eigenvectors] = at::linalg_eigh(cov); // ascending
        // The residual space: eigenvectors of the D - k smallest eigenvalues.
        nullSpace_ = eigenvectors.slice(1, 0, d - k).contiguous();
        const double meanMaxLogit = std::get<0>(logits(fit).max(1)).mean().item<double>();
        const double meanResidual = residual(x).mean().item<double>();
        alpha_ = meanMaxLogit / std::max(meanResidual, 1e-12);
        std::ostringstream n;
        n << "principal subspace k = " << k << " of " << d << ", alpha = " << alpha_;
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink*) const override
    {
        at::Tensor h = features(set);
        return toVector(energy(h, w_, b_) - alpha_ * residual(h));
    }

private:
    at::Tensor residual(const at::Tensor& h) const { return (h - origin_).mm(nullSpace_).norm(2, 1); }
    at::Tensor w_, b_, origin_, nullSpace_;
    double alpha_ = 1;
};

} // namespace

void registerVim(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "vim";
    m.label = "ViM";
    m.group = MethodGroup::Fitted;
    ParamSpec k{"k", 0, "principal dimensions (0: D/2, or 1000 when D >= 1500)"};
    k.min = 0;
    k.integer = true;
    // OpenOOD sweeps 256 and 1000 (D = 2,048); the smaller values serve smaller heads. A value that
    // is not below D cannot be used and is named in the sweep.
    k.grid = {16, 32, 64, 128, 256, 512, 1000};
    m.params = {k};
    m.formula = "energy - alpha ||(h - o) outside the top-k principal subspace||";
    m.reference = "Wang, Li, Feng & Zhang, CVPR 2022";
    m.needs = NeedsFitSet | NeedsCovariance;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Vim(*fit, head, static_cast<int>(p.get("k")), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
