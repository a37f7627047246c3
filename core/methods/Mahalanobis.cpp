// SPDX-License-Identifier: GPL-3.0-or-later
// Mahalanobis distance to the nearest class mean under one tied covariance (Lee et al., NeurIPS 2018).
#include "methods/Method.h"
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <algorithm>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Mahalanobis final : public FittedScorer {
public:
    Mahalanobis(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const int64_t d = fit.dim;
        std::vector<int> labels = fit.labels;
        const bool haveLabels = labels.size() == fit.rows &&
                                std::all_of(labels.begin(), labels.end(), [&](int l) { return l >= 0 && l < head.classes; });
        if (!haveLabels) {
            labels.resize(fit.rows);
            for (std::size_t r = 0; r < fit.rows; ++r)
                labels[r] = fit.prediction(r);
            note_ = "the fit set has no usable labels: model predictions used as class labels; ";
        }
        // Two passes block by block (class means, then the tied class-centred covariance): memory is
        // O(C x D + D^2) whatever the size of the fit set, never a copy of it.
        const auto labelsOf = [&](int64_t start, int64_t n) {
            return at::from_blob(labels.data() + start, {n}, at::kInt).to(at::kLong);
        };
        at::Tensor sums = at::zeros({head.classes, d}, at::kDouble);
        forEachBlock(
            fit, [&](const at::Tensor& h, const at::Tensor&, int64_t start) { sums.index_add_(0, labelsOf(start, h.size(0)), h); },
            sink);
        std::vector<int64_t> counts(head.classes, 0);
        for (int l : labels)
            ++counts[l];
        for (int c = 0; c < head.classes; ++c)
            if (counts[c] > 0)
                present_.push_back(c);
        at::Tensor cnt = at::tensor(counts, at::kDouble).clamp_min(1).unsqueeze(1);
        means_ = sums / cnt;
        at::Tensor cov = at::zeros({d, d}, at::kDouble);
        forEachBlock(
            fit,
            [&](const at::Tensor& h, const at::Tensor&, int64_t start) {
                // h is the block's own fresh copy: centred in place, one block less in memory.
                const at::Tensor& c = h.sub_(means_.index_select(0, labelsOf(start, h.size(0))));
                cov.addmm_(c.t(), c);
            },
            sink);
        cov /= static_cast<double>(fit.rows);
        // Shrinkage towards a scaled identity until the Cholesky factorisation succeeds.
        const double scale = std::max(cov.diagonal().mean().item<double>(), 1e-12);
        double shrink = 0;
        at::Tensor l;
        for (int attempt = 0;; ++attempt) {
            at::Tensor s = shrink > 0 ? (1 - shrink) * cov + shrink * scale * at::eye(d, at::kDouble) : cov;
            auto [factor, info] = at::linalg_cholesky_ex(s);
            if (info.item<int>() == 0) {
                l = factor;
                break;
            }
            if (attempt > 12)
                throw Error("mahalanobis: the fit-set covariance stays singular even with shrinkage");
            shrink = shrink == 0 ? 1e-6 : shrink * 10;
        }
        precision_ = at::cholesky_inverse(l);
        std::ostringstream n;
        n << note_ << "tied covariance from " << fit.rows << " fit images, " << present_.size() << " classes";
        if (shrink > 0)
            n << "; covariance singular: shrinkage " << shrink << " towards " << scale << " I applied";
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        at::Tensor idx = at::tensor(present_, at::kLong);
        at::Tensor mu = means_.index_select(0, idx); // K x D
        at::Tensor muP = mu.mm(precision_);           // K x D
        at::Tensor muPmu = (muP * mu).sum(1);         // K
        std::vector<double> out;
        out.reserve(set.rows);
        forEachBlock(
            set,
            [&](const at::Tensor& h, const at::Tensor&, int64_t) {
                at::Tensor hPh = (h.mm(precision_) * h).sum(1, true); // B x 1
                at::Tensor dist = hPh - 2 * h.mm(muP.t()) + muPmu.unsqueeze(0);
                const std::vector<double> s = toVector(-std::get<0>(dist.min(1)));
                out.insert(out.end(), s.begin(), s.end());
            },
            sink);
        return out;
    }

private:
    at::Tensor means_, precision_;
    std::vector<int64_t> present_;
};

} // namespace

void registerMahalanobis(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "mahalanobis";
    m.label = "Mahalanobis";
    m.group = MethodGroup::Fitted;
    m.formula = "max_c -(h - mu_c)^T S^-1 (h - mu_c), tied covariance from the fit set";
    m.reference = "Lee, Lee, Lee & Shin, NeurIPS 2018";
    m.needs = NeedsFitSet | NeedsLabels | NeedsCovariance;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Mahalanobis(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
