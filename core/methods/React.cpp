// SPDX-License-Identifier: GPL-3.0-or-later
// ReAct (Sun, Guo & Li, NeurIPS 2021): clip activations at a percentile of the fit set's, then energy.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/Tensors.h"

#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class React final : public FittedScorer {
public:
    React(const FeatureSet& fit, const Head& head, double p) : w_(headWeight(head)), b_(headBias(head))
    {
        clip_ = percentile(fit.features, p);
        std::ostringstream n;
        n << "clip at " << clip_ << " = the " << p << "th percentile of " << fit.features.size() << " fit activations";
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink*) const override
    {
        return toVector(energy(features(set).clamp_max(clip_), w_, b_));
    }

private:
    at::Tensor w_, b_;
    double clip_ = 0;
};

} // namespace

void registerReact(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "react";
    m.label = "ReAct";
    m.group = MethodGroup::Fitted;
    m.params = {percentileParam(90, "clip percentile of fit activations", false, true)};
    m.params[0].grid = {85, 90, 95, 99}; // OpenOOD's react sweep
    m.formula = "energy of W min(h, c) + b, c = p-th percentile of fit activations";
    m.reference = "Sun, Guo & Li, NeurIPS 2021";
    m.needs = NeedsFitSet;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink*) {
        return std::unique_ptr<FittedScorer>(new React(*fit, head, p.get("p")));
    };
    r.add(std::move(m));
}

} // namespace oodlens
