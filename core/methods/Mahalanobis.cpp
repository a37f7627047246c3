// SPDX-License-Identifier: GPL-3.0-or-later
// Mahalanobis distance to the nearest class mean under one tied covariance (Lee et al., NeurIPS 2018).
#include "methods/Method.h"
#include "methods/internal/FitStatistics.h"

#include <sstream>

namespace oodlens {
namespace {

class Mahalanobis final : public FittedScorer {
public:
    Mahalanobis(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const fitstats::FitLabels labels = fitstats::fitLabels(fit, head.classes, "mahalanobis");
        const fitstats::ClassGaussians g =
            fitstats::classGaussians(fit, labels.labels, head.classes, false, "mahalanobis", sink);
        const fitstats::ShrunkPrecision p = fitstats::shrunkPrecision(g.tiedCovariance, "mahalanobis");
        distances_ =
            fitstats::QuadraticDistances(g.means.index_select(0, at::tensor(g.present, at::kLong)), p.precision);
        std::ostringstream n;
        n << labels.note() << "tied covariance from " << fit.rows << " fit images, " << g.present.size() << " classes";
        if (p.shrink > 0)
            n << "; " << p.note();
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        return fitstats::scoreBlocks(
            set, [&](const at::Tensor& h, const at::Tensor&, int64_t) { return -std::get<0>(distances_(h).min(1)); },
            sink);
    }

private:
    fitstats::QuadraticDistances distances_;
};

} // namespace

void registerMahalanobis(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "mahalanobis";
    m.label = "Mahalanobis";
    m.group = MethodGroup::Fitted;
    m.formula = "max_c -(h - mu_c)^T S^-1 (h - mu_c), tied covariance from the fit set";
    m.reference = "Lee, Lee, Lee & Shin, NeurIPS 2018";
    m.needs = NeedsFitSet | NeedsLabels | NeedsCovariance;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Mahalanobis(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
