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
        // Two passes block by block (the covariance about o, then the means of the fit set's max
        // logit and residual norm): memory is O(D^2) whatever the size of the fit set.
        at::Tensor cov = at::zeros({d, d}, at::kDouble);
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                const at::Tensor& c = h.sub_(origin_); // the block's own fresh copy
                cov.addmm_(c.t(), c);
            },
            sink);
        cov /= static_cast<double>(fit.rows);
        auto [eigenvalues, eigenvectors] = at::linalg_eigh(cov); // ascending
        // The residual space: eigenvectors of the D - k smallest eigenvalues.
        nullSpace_ = eigenvectors.slice(1, 0, d - k).contiguous();
        double maxLogitSum = 0, residualSum = 0;
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor& z, int64_t) {
                maxLogitSum += std::get<0>(z.max(1)).sum().item<double>();
                residualSum += residual(h).sum().item<double>();
            },
            sink);
        const double meanMaxLogit = maxLogitSum / static_cast<double>(fit.rows);
        const double meanResidual = residualSum / static_cast<double>(fit.rows);
        alpha_ = meanMaxLogit / std::max(meanResidual, 1e-12);
        std::ostringstream n;
        n << "principal subspace k = " << k << " of " << d << ", alpha = " << alpha_;
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        std::vector<double> out;
        out.reserve(set.rows);
        forEachBlock(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                const std::vector<double> s = toVector(energy(h, w_, b_) - alpha_ * residual(h));
                out.insert(out.end(), s.begin(), s.end());
            },
            sink);
        return out;
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
