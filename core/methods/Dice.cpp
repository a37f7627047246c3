// SPDX-License-Identifier: GPL-3.0-or-later
// DICE (Sun & Li, ECCV 2022): sparsify the head, keeping the weights whose contribution on the fit
// set (mean feature x weight) lies above its p-th percentile, then energy.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/FitStatistics.h"

#include <limits>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Dice final : public FittedScorer {
public:
    Dice(const FeatureSet& fit, const Head& head, double p, ProgressSink* sink) : b_(headBias(head))
    {
        const at::Tensor w = headWeight(head);
        const at::Tensor contribution = fitstats::featureMean(fit, "dice", sink).unsqueeze(0) * w; // C x D
        // As the reference code: the threshold is numpy's (linearly interpolated) p-th percentile
        // of all C x D contributions, and only those strictly above it are kept.
        const double threshold = percentile(toVector(contribution), p);
        const at::Tensor mask = contribution > threshold;
        maskedW_ = w * mask;
        std::ostringstream n;
        n << "kept " << mask.sum().item<int64_t>() << " of " << contribution.numel()
          << " head weights: contribution (mean of " << fit.rows << " fit features x weight) above its " << p
          << "th percentile " << threshold;
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                // A masked-out column would drop a NaN or infinite feature (or a BLAS could skip
                // its zero products): such an image scores NaN, as with every other method.
                const at::Tensor finite = at::isfinite(h).all(1);
                return at::where(finite, energy(h, maskedW_, b_),
                                 at::full({h.size(0)}, std::numeric_limits<double>::quiet_NaN(), at::kDouble));
            },
            sink);
    }

private:
    at::Tensor maskedW_, b_;
};

} // namespace

void registerDice(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "dice";
    m.label = "DICE";
    m.group = MethodGroup::Fitted;
    ParamSpec p = percentileParam(
        90, "sparsity: percentile of the contributions mean(h) x W below which weights are dropped", true, false);
    p.grid = {10, 30, 50, 70, 90};
    m.params = {p};
    m.formula = "energy of (W masked to mean(h) x W > its p-th percentile) h + b";
    m.reference = "Sun & Li, ECCV 2022";
    m.needs = NeedsFitSet;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Dice(*fit, head, p.get("p"), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
