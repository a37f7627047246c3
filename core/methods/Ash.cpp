// SPDX-License-Identifier: GPL-3.0-or-later
// ASH-S (Djurisic et al., ICLR 2023): prune the features to their largest entries, rescale, energy.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/Tensors.h"

#include <cmath>

namespace oodlens {

void registerAsh(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "ash";
    m.label = "ASH-S";
    m.group = MethodGroup::Feature;
    m.params = {percentileParam(90, "pruning percentile", true, false)};
    m.params[0].grid = {65, 70, 75, 80, 85, 90, 95}; // OpenOOD's ash sweep
    m.formula = "energy after keeping the top (100-p)% of h, rescaled by exp(s1/s2)";
    m.reference = "Djurisic, Bozanic, Ashok & Liu, ICLR 2023";
    m.panels = PanelDemo;
    m.score = [](const FeatureSet& set, const Head& head, const ParamValues& params, ProgressSink*) {
        using namespace tensors;
        // As the ASH reference code: keep the k largest entries (keptTopEntries, the reference's
        // rounding), zero the rest, and rescale by exp(s1 / s2) with s1, s2 the sums before and
        // after pruning.
        at::Tensor h = features(set);
        const int64_t k = keptTopEntries(h.size(1), params.get("p"));
        at::Tensor s1 = h.sum(1);
        auto [values, index] = h.topk(k, 1);
        at::Tensor pruned = at::zeros_like(h).scatter_(1, index, values);
        at::Tensor s2 = pruned.sum(1);
        pruned = pruned * at::exp(s1 / s2).unsqueeze(1);
        return toVector(energy(pruned, headWeight(head), headBias(head)));
    };
    r.add(std::move(m));
}

} // namespace oodlens
