// SPDX-License-Identifier: GPL-3.0-or-later
// ReAct (Sun, Guo & Li, NeurIPS 2021): clip activations at a percentile of the fit set's, then energy.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class React final : public FittedScorer {
public:
    // The clip is read in place from the fit set's activations (two counting passes, no copy); NaN
    // activations are left out and counted in the note.
    React(const FeatureSet& fit, const Head& head, double p, ProgressSink* sink) : w_(headWeight(head)), b_(headBias(head))
    {
        Percentile c;
        try {
            c = streamingPercentile(fit.features.data(), fit.features.size(), p, sink);
        } catch (const Error& e) {
            throw Error(std::string("react: the clip of the fit activations: ") + e.what());
        }
        clip_ = c.value;
        std::ostringstream n;
        n << "clip at " << clip_ << " = the " << p << "th percentile of " << c.count << " fit activations";
        if (c.nans > 0)
            n << " (" << c.nans << " NaN activations left out)";
        note_ = n.str();
    }
    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        std::vector<double> out;
        out.reserve(set.rows);
        forEachBlock(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                const std::vector<double> s = toVector(energy(h.clamp_max(clip_), w_, b_));
                out.insert(out.end(), s.begin(), s.end());
            },
            sink);
        return out;
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
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new React(*fit, head, p.get("p"), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
