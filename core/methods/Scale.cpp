// SPDX-License-Identifier: GPL-3.0-or-later
// SCALE (Xu, Chen, Franchi & Yao, ICLR 2024): scale every activation by exp(s1 / s2), with s1 the
// sum of all activations and s2 the sum of the largest (100 - p)%, then energy. Unlike ASH it
// prunes nothing. Applied to the penultimate vector, as ASH is here.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/Tensors.h"

#include <cmath>

namespace oodlens {

void registerScale(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "scale";
    m.label = "SCALE";
    m.group = MethodGroup::Feature;
    m.params = {percentileParam(85, "percentile of the activations that sets the scale", true, false)};
    m.params[0].grid = {65, 70, 75, 80, 85, 90, 95}; // OpenOOD's scale sweep
    m.formula = "energy of W (h exp(s1/s2)) + b, s1 = sum h, s2 = sum of the top (100-p)% of h";
    m.reference = "Xu, Chen, Franchi & Yao, ICLR 2024";
    m.score = [](const FeatureSet& set, const Head& head, const ParamValues& params, ProgressSink*) {
        using namespace tensors;
        at::Tensor h = features(set);
        // As the reference code: the k top entries (keptTopEntries, the reference's rounding) set the scale.
        const int64_t k = keptTopEntries(h.size(1), params.get("p"));
        at::Tensor s1 = h.sum(1);
        at::Tensor s2 = std::get<0>(h.topk(k, 1)).sum(1);
        at::Tensor scaled = h * at::exp(s1 / s2).unsqueeze(1);
        return toVector(energy(scaled, headWeight(head), headBias(head)));
    };
    r.add(std::move(m));
}

} // namespace oodlens
