// SPDX-License-Identifier: GPL-3.0-or-later
// NNGuide (Park, Jung & Teoh, ICCV 2023): the mean inner product of the normalised features with
// their k nearest guides, times the image's energy. A guide is a normalised fit feature scaled by
// its own energy (the fit image's logsumexp); the guide bank is a fraction alpha of the fit set.
#include "methods/Method.h"
#include "methods/internal/NeighbourIndex.h"
#include "methods/internal/Softmax.h"

#include "common/Error.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace oodlens {
namespace {

using neighbours::NeighbourIndex;

// logsumexp(z) (energy at T = 1), NaN for NaN or all-infinite logits (the energy term's rule).
double energyOf(const float* z, int classes)
{
    std::vector<double> p;
    return softmaxRow(z, classes, 1.0, p);
}

// The guide bank's fit rows: m = ceil(alpha N) rows spread evenly over the fit set, row
// floor(j N / m) for j = 0 .. m - 1 (every row at alpha = 1). OpenOOD takes the first alpha N images
// of its shuffled training loader; evenly spaced rows are the deterministic equivalent for a fit set
// stored in class order.
std::vector<std::size_t> guideRows(std::size_t n, double alpha)
{
    const std::size_t m = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(alpha * static_cast<double>(n) - 1e-9)));
    std::vector<std::size_t> rows(std::min(m, n));
    for (std::size_t j = 0; j < rows.size(); ++j)
        rows[j] = static_cast<std::size_t>((static_cast<unsigned long long>(j) * n) / rows.size());
    return rows;
}

class NnGuide final : public FittedScorer {
public:
    NnGuide(const FeatureSet& fit, int k, double alpha, neighbours::IndexSpec spec, ProgressSink* sink) : k_(k)
    {
        const std::vector<std::size_t> rows = guideRows(fit.rows, alpha);
        if (static_cast<std::size_t>(k) > rows.size()) {
            std::ostringstream msg;
            msg << "nnguide: the guide bank holds " << rows.size() << " fit images (alpha = " << alpha << " of "
                << fit.rows << "), fewer than k = " << k << ": raise nnguide.alpha or lower nnguide.k";
            throw Error(msg.str());
        }
        const std::size_t d = static_cast<std::size_t>(fit.dim);
        std::vector<double> energies(rows.size());
        for (std::size_t j = 0; j < rows.size(); ++j) {
            const std::size_t r = rows[j];
            energies[j] = energyOf(fit.logitRow(r), fit.classes);
            bool finite = std::isfinite(energies[j]);
            for (std::size_t c = 0; c < d && finite; ++c)
                finite = std::isfinite(fit.featureRow(r)[c]);
            if (!finite)
                throw Error("nnguide: fit image " + std::to_string(r) + (fit.paths.size() > r ? " (" + fit.paths[r] + ")" : std::string()) +
                            " has non-finite features or logits: its guide would be NaN");
        }
        index_.reset(new NeighbourIndex(
            rows.size(), fit.dim, spec, "nnguide",
            [&](std::size_t first, std::size_t count, float* out) {
                for (std::size_t i = 0; i < count; ++i) {
                    float* g = out + i * d;
                    neighbours::normaliseRow(fit.featureRow(rows[first + i]), fit.dim, g);
                    for (std::size_t c = 0; c < d; ++c)
                        g[c] = static_cast<float>(g[c] * energies[first + i]);
                }
            },
            sink));
        std::ostringstream note;
        note << "guide bank of " << rows.size() << " of " << fit.rows << " fit images (alpha = " << alpha
             << "), normalised features x energy, k = " << k << ", " << index_->describe();
        note_ = note.str();
    }

    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        if (set.dim != index_->dim())
            throw Error("nnguide: the features have " + std::to_string(set.dim) + " dimensions, the guide bank " +
                        std::to_string(index_->dim()));
        std::vector<double> out(set.rows);
        const std::size_t d = static_cast<std::size_t>(set.dim);
        index_->search(
            set.rows, neighbours::normalisedRows(set), k_,
            [&](std::size_t row, const float* q, const std::int64_t* ids, int found) {
                const double energy = energyOf(set.logitRow(row), set.classes);
                if (found < k_) { // IVF probed fewer than k guides
                    out[row] = std::numeric_limits<double>::quiet_NaN();
                    return;
                }
                // The mean of the k similarities, recomputed in double from the stored guides (a
                // NaN query stays NaN).
                std::vector<float> g(d);
                double sum = 0;
                for (int j = 0; j < found; ++j) {
                    index_->vector(ids[j], g.data());
                    double ip = 0;
                    for (std::size_t c = 0; c < d; ++c)
                        ip += static_cast<double>(q[c]) * g[c];
                    sum += ip;
                }
                out[row] = sum / k_ * energy;
            },
            sink);
        return out;
    }

private:
    std::unique_ptr<NeighbourIndex> index_;
    int k_;
};

} // namespace

void registerNnGuide(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "nnguide";
    m.label = "NNGuide";
    m.group = MethodGroup::Fitted;
    const ParamSpec k = neighbours::neighbourCountParam(100, "nearest guides averaged", {10, 50, 100, 200, 500});
    ParamSpec alpha{"alpha", 0.01, "fraction of the fit set in the guide bank"};
    alpha.min = 0;
    alpha.minExclusive = true;
    alpha.max = 1;
    alpha.grid = {0.01, 0.05, 0.1, 0.5, 1};
    m.params = {k, alpha};
    for (const ParamSpec& p : neighbours::indexParams())
        m.params.push_back(p);
    m.formula = "energy(z) x mean of the k largest <h/||h||, guide>, guide = (h_fit/||h_fit||) energy(z_fit)";
    m.reference = "Park, Jung & Teoh, ICCV 2023";
    m.needs = NeedsFitSet;
    m.fit = [](const FeatureSet* fit, const Head&, const ParamValues& p, ProgressSink* sink) {
        return std::unique_ptr<FittedScorer>(new NnGuide(*fit, static_cast<int>(p.get("k")), p.get("alpha"),
                                                         neighbours::indexSpec(p), sink));
    };
    r.add(std::move(m));
}

} // namespace oodlens
