// SPDX-License-Identifier: GPL-3.0-or-later
// Deep nearest neighbours (Sun et al., ICML 2022): distance of the normalised features to their
// k-th nearest neighbour in the normalised fit bank.
#include "methods/Method.h"
#include "methods/internal/NeighbourIndex.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens {
namespace {

using neighbours::NeighbourIndex;

// The fit set's rows, L2-normalised, as the bank. A bank row must be finite (a NaN neighbour would
// sit in every query's ranking); a query row that is not scores NaN.
NeighbourIndex::Fill bankRows(const FeatureSet& fit)
{
    return [&fit](std::size_t first, std::size_t count, float* out) {
        for (std::size_t r = first; r < first + count; ++r) {
            const float* h = fit.featureRow(r);
            if (!std::all_of(h, h + fit.dim, [](float v) { return std::isfinite(v); }))
                throw Error("knn: fit image " + std::to_string(r) +
                            (fit.paths.size() > r ? " (" + fit.paths[r] + ")" : std::string()) +
                            " has non-finite features: it cannot be a neighbour");
        }
        neighbours::normalisedRows(fit)(first, count, out);
    };
}

class Knn final : public FittedScorer {
public:
    Knn(const FeatureSet& fit, int k, neighbours::IndexSpec spec, ProgressSink* sink) : k_(k)
    {
        if (static_cast<std::size_t>(k) > fit.rows)
            throw Error("knn: k = " + std::to_string(k) + " is larger than the fit set's bank of " + std::to_string(fit.rows) +
                        " features");
        index_.reset(new NeighbourIndex(fit.rows, fit.dim, spec, "knn", bankRows(fit), sink));
        note_ = "bank of " + std::to_string(fit.rows) + " L2-normalised fit features, k = " + std::to_string(k) + ", " +
                index_->describe();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        if (set.dim != index_->dim())
            throw Error("knn: the features have " + std::to_string(set.dim) + " dimensions, the bank " + std::to_string(index_->dim()));
        std::vector<double> out(set.rows);
        const int dim = set.dim;
        index_->search(
            set.rows, neighbours::normalisedRows(set), k_,
            [&](std::size_t row, const float* q, const std::int64_t* ids, int found) {
                // A non-finite query (NaN after normalising) has no distance; with IVF, fewer than
                // k bank rows in the probed cells means no k-th neighbour.
                if (found < k_ || std::any_of(q, q + dim, [](float v) { return std::isnan(v); })) {
                    out[row] = std::numeric_limits<double>::quiet_NaN();
                    return;
                }
                // faiss ranks by float inner products; the distances of the k found are recomputed
                // in double (||q - b||, not sqrt(2 - 2 q.b), which loses digits for near neighbours),
                // and the k-th is the farthest of them.
                std::vector<float> b(static_cast<std::size_t>(dim));
                double kth = 0;
                for (int j = 0; j < found; ++j) {
                    index_->vector(ids[j], b.data());
                    double ss = 0;
                    for (int d = 0; d < dim; ++d) {
                        const double diff = static_cast<double>(q[d]) - b[d];
                        ss += diff * diff;
                    }
                    kth = std::max(kth, std::sqrt(ss));
                }
                out[row] = -kth;
            },
            sink);
        return out;
    }

private:
    std::unique_ptr<NeighbourIndex> index_;
    int k_;
};

} // namespace

void registerKnn(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "knn";
    m.label = "KNN";
    m.group = MethodGroup::Fitted;
    m.params = {neighbours::neighbourCountParam(50, "neighbour rank", {50, 100, 200, 500, 1000})}; // OpenOOD's knn K_list
    for (const ParamSpec& p : neighbours::indexParams())
        m.params.push_back(p);
    m.formula = "-(distance of h/||h|| to its k-th neighbour in the normalised fit bank)";
    m.reference = "Sun, Ming, Zhu & Li, ICML 2022";
    m.needs = NeedsFitSet;
    m.panels = PanelDemo;
    m.fit = [](const FeatureSet* fit, const Head&, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new Knn(*fit, static_cast<int>(p.get("k")), neighbours::indexSpec(p), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
