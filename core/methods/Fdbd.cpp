// SPDX-License-Identifier: GPL-3.0-or-later
// fDBD (Liu & Qin, ICML 2024): the features' mean distance to the decision boundaries between the
// predicted class and every other class, normalised by their distance to the fit features' mean.
#include "methods/Method.h"
#include "methods/internal/FitStatistics.h"

#include "common/Error.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Fdbd final : public FittedScorer {
public:
    Fdbd(const FeatureSet& fit, const Head& head, ProgressSink* sink) : classes_(head.classes)
    {
        if (classes_ < 2)
            throw Error("fdbd: the head has " + std::to_string(classes_) +
                        " class: there is no decision boundary to measure a distance to");
        mean_ = fitstats::featureMean(fit, "fdbd", sink);
        // The boundary between classes p and c is the hyperplane (w_p - w_c) h + b_p - b_c = 0, at
        // the distance |z_p - z_c| / ||w_p - w_c|| from h: keep 1 / ||w_p - w_c|| for every pair.
        // Differences, not the Gram expansion, so that identical rows come out exactly 0.
        const at::Tensor w = headWeight(head);
        const at::Tensor dist = at::cdist(w, w, 2.0, /*compute_mode=never use mm*/ 2).contiguous();
        const double* d = dist.data_ptr<double>();
        inverseDistance_.assign(static_cast<std::size_t>(classes_) * classes_, 0.0);
        double nearest = std::numeric_limits<double>::infinity();
        for (int p = 0; p < classes_; ++p)
            for (int c = 0; c < classes_; ++c) {
                if (c == p)
                    continue;
                const double v = d[p * classes_ + c];
                if (!(v > 0))
                    throw Error("fdbd: classes " + std::to_string(std::min(p, c)) + " and " +
                                std::to_string(std::max(p, c)) +
                                " have the same head weights: there is no decision boundary between them");
                inverseDistance_[p * classes_ + c] = 1.0 / v;
                nearest = std::min(nearest, v);
            }
        std::ostringstream n;
        n << "feature mean of " << fit.rows << " fit images (norm " << mean_.norm().item<double>() << "); " << classes_
          << " x " << classes_ << " boundary normals, nearest pair of class weights " << nearest << " apart";
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
                const at::Tensor distanceToMean = (h - mean_).norm(2, 1).contiguous();
                at::Tensor out = at::empty({h.size(0)}, at::kDouble);
                double* o = out.data_ptr<double>();
                for (int64_t i = 0; i < h.size(0); ++i) {
                    const float* z = set.logitRow(static_cast<std::size_t>(start + i));
                    const int p = fitstats::predictedClass(z, classes_);
                    if (p < 0) {
                        o[i] = nan;
                        continue;
                    }
                    double sum = 0;
                    for (int c = 0; c < classes_; ++c)
                        if (c != p)
                            sum += std::fabs(double(z[p]) - double(z[c])) * inverseDistance_[p * classes_ + c];
                    o[i] = sum / (classes_ - 1) / distanceToMean.data_ptr<double>()[i];
                }
                return out;
            },
            sink);
    }

private:
    int classes_;
    at::Tensor mean_;
    std::vector<double> inverseDistance_; // C x C, 1 / ||w_p - w_c|| (0 on the diagonal)
};

} // namespace

void registerFdbd(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "fdbd";
    m.label = "fDBD";
    m.group = MethodGroup::Fitted;
    m.formula = "mean over c != pred of |z_pred - z_c| / ||w_pred - w_c||, divided by ||h - mean of fit features||";
    m.reference = "Liu & Qin, ICML 2024";
    m.needs = NeedsFitSet;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Fdbd(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
