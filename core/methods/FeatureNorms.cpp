// SPDX-License-Identifier: GPL-3.0-or-later
// Feature norms ||h||_q of the penultimate features: the feature term of every product score.
#include "methods/Method.h"

#include <limits>

namespace oodlens {

void registerFeatureNorms(MethodRegistry& r)
{
    MethodInfo m;
    m.group = MethodGroup::Feature;
    m.reference = "Igoe et al., 2022 (the feature factor of GradNorm)";

    m.id = "feature_l1";
    m.label = "||h||_1";
    m.formula = "L1 norm of the penultimate features";
    m.featureNorm = 1;
    m.panels = PanelGui | PanelDemo;
    m.comparisonRank = 4;
    r.add(m);

    m.id = "feature_l2";
    m.label = "||h||_2";
    m.formula = "L2 norm of the penultimate features";
    m.featureNorm = 2;
    m.panels = PanelGui;
    m.comparisonRank = 0;
    r.add(m);

    m.id = "feature_linf";
    m.label = "||h||_inf";
    m.formula = "largest absolute penultimate feature";
    m.featureNorm = std::numeric_limits<double>::infinity();
    m.panels = 0;
    r.add(m);
}

} // namespace oodlens
