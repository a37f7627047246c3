// SPDX-License-Identifier: GPL-3.0-or-later
// Relative Mahalanobis distance (Ren, Fort, Liu, Roy, Padhy & Lakshminarayanan, 2021): the
// Mahalanobis distance to the nearest class Gaussian minus the distance to one class-agnostic
// background Gaussian of the whole fit set.
#include "methods/Method.h"
#include "methods/internal/FitStatistics.h"

#include <sstream>

namespace oodlens {
namespace {

class Rmds final : public FittedScorer {
public:
    Rmds(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const fitstats::FitLabels labels = fitstats::fitLabels(fit, head.classes, "rmds");
        const fitstats::ClassGaussians g =
            fitstats::classGaussians(fit, labels.labels, head.classes, true, "rmds", sink);
        // Both covariances follow Mahalanobis's shrinkage rule (fitstats::shrunkPrecision).
        const fitstats::ShrunkPrecision tied = fitstats::shrunkPrecision(g.tiedCovariance, "rmds");
        const fitstats::ShrunkPrecision background = fitstats::shrunkPrecision(g.globalCovariance, "rmds");
        classes_ =
            fitstats::QuadraticDistances(g.means.index_select(0, at::tensor(g.present, at::kLong)), tied.precision);
        background_ = fitstats::QuadraticDistances(g.globalMean.unsqueeze(0), background.precision);
        std::ostringstream n;
        n << labels.note() << g.present.size() << " class Gaussians (tied covariance) and a background Gaussian from "
          << fit.rows << " fit images";
        for (const std::string& s : {tied.note("tied"), background.note("background")})
            if (!s.empty())
                n << "; " << s;
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        // -min_c (MD_c - MD_0) = MD_0 - min_c MD_c.
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                return background_(h).select(1, 0) - std::get<0>(classes_(h).min(1));
            },
            sink);
    }

private:
    fitstats::QuadraticDistances classes_, background_;
};

} // namespace

void registerRmds(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "rmds";
    m.label = "RMDS";
    m.group = MethodGroup::Fitted;
    m.formula = "-min_c (MD_c(h) - MD_0(h)): class Gaussians (tied covariance) relative to one background Gaussian";
    m.reference = "Ren, Fort, Liu, Roy, Padhy & Lakshminarayanan, arXiv 2106.09022 (2021)";
    m.needs = NeedsFitSet | NeedsLabels | NeedsCovariance;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Rmds(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
