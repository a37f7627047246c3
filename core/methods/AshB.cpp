// SPDX-License-Identifier: GPL-3.0-or-later
// ASH-B (Djurisic et al., ICLR 2023): binarise the largest entries to s1 / k (s1 = the sum of h), energy.
// Applied to the penultimate vector, as ASH-S (methods/Ash.cpp, which holds the shaping).
#include "methods/Method.h"
#include "methods/internal/ActivationShaping.h"
#include "methods/internal/CommonParams.h"

namespace oodlens {

void registerAshB(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "ash_b";
    m.label = "ASH-B";
    m.group = MethodGroup::Feature;
    m.params = {ashPercentileParam()};
    m.formula = "energy after setting the top k = (100-p)% of h to s1/k (s1 = sum h), the rest to 0";
    m.reference = "Djurisic, Bozanic, Ashok & Liu, ICLR 2023";
    m.score = [](const FeatureSet& set, const Head& head, const ParamValues& params, ProgressSink* sink) {
        return ashScores(set, head, params.get("p"), AshVariant::Binarize, sink);
    };
    r.add(std::move(m));
}

} // namespace oodlens
