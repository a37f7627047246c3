// SPDX-License-Identifier: GPL-3.0-or-later
// KL matching (Hendrycks, Basart, Mazeika, Zou, Kwon, Mostajabi, Steinhardt & Song, ICML 2022):
// the KL divergence of the softmax to the nearest class template, the mean softmax of the fit
// images predicted as that class.
//
// As OpenOOD's kl_matching_postprocessor: score = -min_c KL(p || d_c) over every class template
// (the paper's min over classes; not only the predicted class's template), KL as
// scipy.stats.entropy(p, d_c) = sum_j p_j log(p_j / d_cj) with no epsilon: a term with p_j = 0 is 0,
// and one with p_j > 0 where d_cj = 0 is +inf. A class no fit image is predicted as gets OpenOOD's
// template, the one-hot e_c: its KL is +inf unless p is e_c itself (then 0), so in practice it is
// never the nearest.
#include "methods/Method.h"
#include "methods/internal/FitStatistics.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace oodlens {
namespace {

using namespace tensors;

class Klm final : public FittedScorer {
public:
    Klm(const FeatureSet& fit, const Head& head, ProgressSink* sink)
    {
        const int classes = head.classes;
        at::Tensor sums = at::zeros({classes, classes}, at::kDouble);
        std::vector<int64_t> counts(classes, 0);
        forEachBlock(
            fit,
            [&](const at::Tensor&, const at::Tensor& z, int64_t start) {
                fitstats::requireFinite(z, start, fit, "klm", "logits");
                const at::Tensor pred = z.argmax(1); // the first largest, as torch's and numpy's argmax
                sums.index_add_(0, pred, at::softmax(z, 1));
                for (int64_t c : toVector(pred))
                    ++counts[static_cast<std::size_t>(c)];
            },
            sink);
        std::vector<at::Tensor> full;
        int empty = 0;
        for (int c = 0; c < classes; ++c) {
            at::Tensor t = counts[c] > 0 ? sums[c] / static_cast<double>(counts[c]) : at::zeros({classes}, at::kDouble);
            if (counts[c] == 0) {
                t[c] = 1.0;
                ++empty;
            }
            t = t / t.sum(); // scipy.stats.entropy normalises both distributions
            if ((t > 0).all().item<bool>())
                full.push_back(t);
            else
                sparse_.push_back(toVector(t));
        }
        // Templates with full support: KL(p || d) = sum p log p - p . log d, one product per block.
        if (!full.empty())
            logTemplates_ = at::log(at::stack(full));
        std::ostringstream n;
        n << classes << " class templates (mean softmax of the fit images predicted as the class) from " << fit.rows
          << " fit images";
        if (empty > 0)
            n << "; " << empty << " classes predicted for no fit image get the one-hot template (never nearest)";
        note_ = n.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        const double inf = std::numeric_limits<double>::infinity();
        return fitstats::scoreBlocks(
            set,
            [&](const at::Tensor&, const at::Tensor& z, int64_t) {
                const at::Tensor p = at::softmax(z, 1).contiguous(); // NaN rows for NaN or infinite logits
                const at::Tensor negEntropy = at::xlogy(p, p).sum(1);
                at::Tensor nearest = at::full({z.size(0)}, inf, at::kDouble);
                if (logTemplates_.defined())
                    nearest = std::get<0>((negEntropy.unsqueeze(1) - p.mm(logTemplates_.t())).min(1));
                nearest = nearest.contiguous();
                // Templates with zeros (OpenOOD's one-hot ones): term by term, with the +inf rule.
                const int64_t classes = p.size(1);
                const double* pp = p.data_ptr<double>();
                double* best = nearest.data_ptr<double>();
                for (const std::vector<double>& t : sparse_)
                    for (int64_t i = 0; i < p.size(0); ++i) {
                        const double* row = pp + i * classes;
                        double kl = 0;
                        for (int64_t j = 0; j < classes && kl < inf; ++j)
                            if (row[j] > 0)
                                kl = t[j] > 0 ? kl + row[j] * std::log(row[j] / t[j]) : inf;
                            else if (std::isnan(row[j]))
                                kl = std::numeric_limits<double>::quiet_NaN();
                        if (std::isnan(kl) || kl < best[i])
                            best[i] = kl;
                    }
                return -nearest;
            },
            sink);
    }

private:
    at::Tensor logTemplates_;                 // K x C, log of the templates with full support
    std::vector<std::vector<double>> sparse_; // the templates with a zero entry
};

} // namespace

void registerKlm(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "klm";
    m.label = "KL matching";
    m.group = MethodGroup::Fitted;
    m.formula = "-min_c KL(softmax(z) || d_c), d_c = mean softmax of the fit images predicted as c";
    m.reference = "Hendrycks, Basart, Mazeika, Zou, Kwon, Mostajabi, Steinhardt & Song, ICML 2022";
    m.needs = NeedsFitSet;
    m.fit = [](const FeatureSet* fit, const Head& head, const ParamValues&, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Klm(*fit, head, sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
