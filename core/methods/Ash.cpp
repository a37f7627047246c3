// SPDX-License-Identifier: GPL-3.0-or-later
// ASH-S (Djurisic et al., ICLR 2023): prune the features to their largest entries, rescale, energy.
// Also the shaping all three ASH variants share (methods/internal/ActivationShaping.h).
#include "methods/Method.h"
#include "methods/internal/ActivationShaping.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/FitStatistics.h"

#include <cmath>

namespace oodlens {

at::Tensor ashShape(const at::Tensor& h, double p, AshVariant variant)
{
    // As the ASH reference code: keep the k largest entries (keptTopEntries, the reference's
    // rounding) and zero the rest; s1 is the sum before pruning.
    const int64_t k = keptTopEntries(h.size(1), p);
    auto [values, index] = h.topk(k, 1);
    if (variant == AshVariant::Binarize) {
        const at::Tensor fill = (h.sum(1) / static_cast<double>(k)).unsqueeze(1).expand_as(values);
        return at::zeros_like(h).scatter_(1, index, fill);
    }
    at::Tensor pruned = at::zeros_like(h).scatter_(1, index, values);
    if (variant == AshVariant::Scale)
        pruned = pruned * at::exp(h.sum(1) / pruned.sum(1)).unsqueeze(1);
    return pruned;
}

std::vector<double> ashScores(const FeatureSet& set, const Head& head, double p, AshVariant variant, ProgressSink* sink)
{
    const at::Tensor w = tensors::headWeight(head), b = tensors::headBias(head);
    return fitstats::scoreBlocks(
        set,
        [&](const at::Tensor& h, const at::Tensor&, int64_t) { return tensors::energy(ashShape(h, p, variant), w, b); },
        sink);
}

ParamSpec ashPercentileParam()
{
    ParamSpec p = percentileParam(90, "pruning percentile", true, false);
    p.grid = {65, 70, 75, 80, 85, 90, 95};
    return p;
}

void registerAsh(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "ash";
    m.label = "ASH-S";
    m.group = MethodGroup::Feature;
    m.params = {ashPercentileParam()};
    m.formula = "energy after keeping the top (100-p)% of h, rescaled by exp(s1/s2)";
    m.reference = "Djurisic, Bozanic, Ashok & Liu, ICLR 2023";
    m.panels = PanelDemo;
    m.score = [](const FeatureSet& set, const Head& head, const ParamValues& params, ProgressSink* sink) {
        return ashScores(set, head, params.get("p"), AshVariant::Scale, sink);
    };
    r.add(std::move(m));
}

} // namespace oodlens
