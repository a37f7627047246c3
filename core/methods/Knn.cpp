// SPDX-License-Identifier: GPL-3.0-or-later
// Deep nearest neighbours (Sun et al., ICML 2022): distance of the normalised features to their
// k-th nearest neighbour in the normalised fit bank.
#include "methods/Method.h"
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <ATen/Parallel.h>

namespace oodlens {
namespace {

using namespace tensors;

class Knn final : public FittedScorer {
public:
    Knn(const FeatureSet& fit, int k) : k_(k)
    {
        if (static_cast<std::size_t>(k) > fit.rows)
            throw Error("knn: k = " + std::to_string(k) + " is larger than the fit set's bank of " + std::to_string(fit.rows) +
                        " features");
        bank_ = normalised(features(fit, at::kFloat));
        note_ = "bank of " + std::to_string(fit.rows) + " L2-normalised fit features, k = " + std::to_string(k);
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        at::Tensor q = normalised(features(set, at::kFloat));
        std::vector<double> out(set.rows);
        // Exact search by blocked matrix products: similarity of unit vectors, k-th largest per row.
        // BLAS is pinned to one thread, so the parallelism comes from splitting query blocks over
        // ATen's intra-op pool; each block writes its own rows, and an exception in any block
        // (a cancellation among them) is re-thrown here by parallel_for.
        const int64_t block = 512;
        const int64_t blocks = (q.size(0) + block - 1) / block;
        at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
            for (int64_t b = first; b < last; ++b) {
                throwIfCancelled(sink);
                const int64_t start = b * block, end = std::min<int64_t>(q.size(0), start + block);
                at::Tensor sim = q.slice(0, start, end).mm(bank_.t());
                at::Tensor kth = std::get<0>(sim.topk(k_, 1, /*largest=*/true, /*sorted=*/true)).select(1, k_ - 1);
                at::Tensor dist = (2.0 - 2.0 * kth.to(at::kDouble)).clamp_min(0).sqrt().contiguous();
                for (int64_t i = 0; i < end - start; ++i)
                    out[static_cast<std::size_t>(start + i)] = -dist.data_ptr<double>()[i];
            }
        });
        return out;
    }

private:
    static at::Tensor normalised(const at::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); }
    at::Tensor bank_;
    int k_;
};

} // namespace

void registerKnn(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "knn";
    m.label = "KNN";
    m.group = MethodGroup::Fitted;
    ParamSpec k{"k", 50, "neighbour rank"};
    k.min = 1;
    k.integer = true;
    m.params = {k};
    m.formula = "-(distance of h/||h|| to its k-th neighbour in the normalised fit bank)";
    m.reference = "Sun, Ming, Zhu & Li, ICML 2022";
    m.needs = NeedsFitSet;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head&, const ParamValues& p, ProgressSink*) {
        return std::unique_ptr<FittedScorer>(new Knn(*fit, static_cast<int>(p.get("k"))));
    };
    r.add(std::move(m));
}

} // namespace oodlens
