// SPDX-License-Identifier: GPL-3.0-or-later
// ViM (Wang et al., CVPR 2022): energy minus the scaled norm of the features off the fit set's
// principal subspace.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/FitStatistics.h"

#include <algorithm>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Vim final : public FittedScorer {
public:
    Vim(const FeatureSet& fit, const Head& head, int64_t k, ProgressSink* sink)
        : w_(headWeight(head)), b_(headBias(head)), subspace_(fitstats::principalSubspace(fit, head, k, "vim", sink))
    {
        // alpha = mean max-logit / mean residual over the fit set, in one more pass.
        double maxLogits = 0, residuals = 0;
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor& z, int64_t) {
                maxLogits += std::get<0>(z.max(1)).sum().item<double>();
                residuals += subspace_.residualNorm(h).sum().item<double>();
            },
            sink);
        const double n = static_cast<double>(fit.rows);
        alpha_ = (maxLogits / n) / std::max(residuals / n, 1e-12);
        std::ostringstream note;
        note << "principal subspace k = " << subspace_.k << " of " << fit.dim << ", alpha = " << alpha_;
        note_ = note.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                return energy(h, w_, b_) - alpha_ * subspace_.residualNorm(h);
            },
            sink);
    }

private:
    at::Tensor w_, b_;
    fitstats::PrincipalSubspace subspace_;
    double alpha_ = 1;
};

} // namespace

void registerVim(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "vim";
    m.label = "ViM";
    m.group = MethodGroup::Fitted;
    m.params = {subspaceDimensionParam()};
    m.formula = "energy - alpha ||(h - o) outside the top-k principal subspace||";
    m.reference = "Wang, Li, Feng & Zhang, CVPR 2022";
    m.needs = NeedsFitSet | NeedsCovariance;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Vim(*fit, head, static_cast<int64_t>(p.get("k")), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
