// SPDX-License-Identifier: GPL-3.0-or-later
// Residual (Wang, Li, Feng & Zhang, CVPR 2022; OpenOOD's residual): the norm of the features off
// the fit set's principal subspace, ViM without its energy term.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/FitStatistics.h"

#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Residual final : public FittedScorer {
public:
    Residual(const FeatureSet& fit, const Head& head, int64_t k, ProgressSink* sink)
        : subspace_(fitstats::principalSubspace(fit, head, k, "residual", sink))
    {
        double sum = 0;
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                sum += subspace_.residualNorm(h).sum().item<double>();
            },
            sink);
        std::ostringstream n;
        n << "principal subspace k = " << subspace_.k << " of " << fit.dim << " from " << fit.rows
          << " fit images; mean fit residual " << sum / static_cast<double>(fit.rows);
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        return fitstats::scoreBlocks(
            set, [&](const at::Tensor& h, const at::Tensor&, int64_t) { return -subspace_.residualNorm(h); }, sink);
    }

private:
    fitstats::PrincipalSubspace subspace_;
};

} // namespace

void registerResidual(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "residual";
    m.label = "Residual";
    m.group = MethodGroup::Fitted;
    m.params = {subspaceDimensionParam()};
    m.formula = "-||(h - o) outside the top-k principal subspace||, o = -pinv(W) b";
    m.reference = "Wang, Li, Feng & Zhang, CVPR 2022";
    m.needs = NeedsFitSet | NeedsCovariance;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Residual(*fit, head, static_cast<int64_t>(p.get("k")), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
