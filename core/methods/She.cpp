// SPDX-License-Identifier: GPL-3.0-or-later
// SHE, simplified Hopfield energy (Zhang, Fu, Liu, Wang, Chen & Zhang, ICLR 2023): the inner product
// of the features with the stored pattern of the predicted class, the mean features of the fit
// images that class holds and the model classifies correctly.
#include "methods/Method.h"
#include "methods/internal/FitStatistics.h"

#include "common/Error.h"

#include <limits>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class She final : public FittedScorer {
public:
    She(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const int classes = head.classes;
        const fitstats::FitLabels labels = fitstats::fitLabels(fit, classes, "she");
        at::Tensor sums = at::zeros({classes, fit.dim}, at::kDouble);
        std::vector<int64_t> counts(classes, 0);
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor& z, int64_t start) {
                fitstats::requireFinite(h, start, fit, "she", "features");
                fitstats::requireFinite(z, start, fit, "she", "logits");
                std::vector<int64_t> rows, cls;
                for (int64_t i = 0; i < h.size(0); ++i) {
                    const std::size_t r = static_cast<std::size_t>(start + i);
                    const int label = labels.labels[r];
                    if (fitstats::predictedClass(fit.logitRow(r), fit.classes) == label) {
                        rows.push_back(i);
                        cls.push_back(label);
                        ++counts[label];
                    }
                }
                if (!rows.empty())
                    sums.index_add_(0, at::tensor(cls, at::kLong), h.index_select(0, at::tensor(rows, at::kLong)));
            },
            sink);
        int64_t correct = 0;
        int withPattern = 0;
        for (int c = 0; c < classes; ++c) {
            correct += counts[c];
            withPattern += counts[c] > 0;
        }
        if (correct == 0)
            throw Error("she: none of the " + std::to_string(fit.rows) +
                        " fit images is classified correctly (label = prediction): there is no pattern to store");
        // A class without a correctly classified fit image has no pattern: NaN, so the images
        // predicted as it score NaN (as OpenOOD's mean over no image).
        const at::Tensor n = at::tensor(counts, at::kDouble).unsqueeze(1);
        patterns_ =
            at::where(n > 0, sums / n.clamp_min(1), at::full_like(sums, std::numeric_limits<double>::quiet_NaN()));
        std::ostringstream note;
        note << labels.note() << (labels.fromPredictions ? "every fit image counts as correct; " : "")
             << "patterns: mean features of the " << correct << " correctly classified of " << fit.rows
             << " fit images, " << withPattern << " of " << classes << " classes";
        if (withPattern < classes)
            note << "; images predicted as one of the other " << classes - withPattern << " classes score NaN";
        note_ = note.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
                std::vector<int64_t> pred(static_cast<std::size_t>(h.size(0)));
                std::vector<bool> undefined(pred.size());
                for (std::size_t i = 0; i < pred.size(); ++i) {
                    const int p =
                        fitstats::predictedClass(set.logitRow(static_cast<std::size_t>(start) + i), set.classes);
                    undefined[i] = p < 0;
                    pred[i] = p < 0 ? 0 : p;
                }
                at::Tensor s = (h * patterns_.index_select(0, at::tensor(pred, at::kLong))).sum(1).contiguous();
                for (std::size_t i = 0; i < pred.size(); ++i)
                    if (undefined[i])
                        s.data_ptr<double>()[i] = std::numeric_limits<double>::quiet_NaN();
                return s;
            },
            sink);
    }

private:
    at::Tensor patterns_; // C x D, NaN rows for classes without a pattern
};

} // namespace

void registerShe(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "she";
    m.label = "SHE";
    m.group = MethodGroup::Fitted;
    m.formula = "<h, pattern of the predicted class>, patterns = class means of the correctly classified fit images";
    m.reference = "Zhang, Fu, Liu, Wang, Chen & Zhang, ICLR 2023";
    m.needs = NeedsFitSet | NeedsLabels;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new She(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
