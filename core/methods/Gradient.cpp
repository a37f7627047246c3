// SPDX-License-Identifier: GPL-3.0-or-later
// Last-layer gradient norms (shared/reference/ood-methods.md): GradNorm (Huang et al., NeurIPS
// 2021) and ExGrad (Igoe et al., 2022), in closed form as feature norm x output term, and by
// LibTorch autograd per sample to prove the closed forms and show what gradients cost.
#include "methods/Method.h"
#include "methods/internal/Autograd.h"
#include "methods/internal/CommonParams.h"

namespace oodlens {

void registerGradient(MethodRegistry& r)
{
    const std::vector<ParamSpec> t{temperatureParam()};
    MethodInfo m;
    m.group = MethodGroup::Gradient;
    m.params = t;

    m.id = "gradnorm";
    m.label = "GradNorm";
    m.formula = "(1/T) ||h||_1 ||softmax(z/T) - 1/C||_1 (closed form)";
    m.reference = "Huang, Geng & Li, NeurIPS 2021";
    m.panels = PanelGui | PanelDemo;
    m.factors = Factors{"feature_l1", "gradterm", [](const ParamValues& p) { return 1.0 / p.get("T"); }, nullptr};
    r.add(m);

    MethodInfo a;
    a.group = MethodGroup::Gradient;
    a.params = t;
    a.id = "gradnorm_autograd";
    a.label = "GradNorm (autograd)";
    a.formula = "|| dKL(u || softmax(z/T)) / dW ||_1 by autograd, per sample";
    a.reference = m.reference;
    a.needs = NeedsAutograd;
    a.panels = PanelGui;
    a.closedForm = "gradnorm";
    a.score = [](const FeatureSet& set, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return gradnormAutograd(set, head, p.get("T"), sink);
    };
    r.add(a);

    m.id = "exgrad";
    m.label = "ExGrad";
    m.formula = "(2/T) ||h||_1 (1 - sum_c p_c^2) (closed form)";
    m.reference = "Igoe, Chung, Char & Schneider, 2022";
    m.factors = Factors{"feature_l1", "gini", [](const ParamValues& p) { return 2.0 / p.get("T"); }, nullptr};
    r.add(m);

    a.id = "exgrad_autograd";
    a.label = "ExGrad (autograd)";
    a.formula = "sum_y p_y || d(-log p_y) / dW ||_1 by autograd, per sample";
    a.reference = m.reference;
    a.panels = 0;
    a.closedForm = "exgrad";
    a.score = [](const FeatureSet& set, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return exgradAutograd(set, head, p.get("T"), sink);
    };
    r.add(a);
}

} // namespace oodlens
