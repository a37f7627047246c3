// SPDX-License-Identifier: GPL-3.0-or-later
// ASH-P (Djurisic et al., ICLR 2023): prune the features to their largest entries, energy.
// Applied to the penultimate vector, as ASH-S (methods/Ash.cpp, which holds the shaping).
#include "methods/Method.h"
#include "methods/internal/ActivationShaping.h"
#include "methods/internal/CommonParams.h"

namespace oodlens {

void registerAshP(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "ash_p";
    m.label = "ASH-P";
    m.group = MethodGroup::Feature;
    m.params = {ashPercentileParam()};
    m.formula = "energy after keeping the top (100-p)% of h (the rest zeroed)";
    m.reference = "Djurisic, Bozanic, Ashok & Liu, ICLR 2023";
    m.score = [](const FeatureSet& set, const Head& head, const ParamValues& params, ProgressSink* sink) {
        return ashScores(set, head, params.get("p"), AshVariant::Prune, sink);
    };
    r.add(std::move(m));
}

} // namespace oodlens
