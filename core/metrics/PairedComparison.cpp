// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/PairedComparison.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "common/SplitMix64.h"
#include "metrics/Deployment.h"
#include "metrics/Metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace oodlens {
namespace {

// Midranks (1-based; tied values share the mean of their ranks).
std::vector<double> midranks(const std::vector<double>& v)
{
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> rank(v.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
            ++j;
        const double mid = 0.5 * double(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k)
            rank[order[k]] = mid;
        i = j + 1;
    }
    return rank;
}

// The pairs where both scores are numbers.
struct Pairs {
    std::vector<double> idA, oodA, idB, oodB;
};

Pairs usablePairs(const std::vector<double>& idA, const std::vector<double>& oodA, const std::vector<double>& idB,
                  const std::vector<double>& oodB)
{
    if (idA.size() != idB.size() || oodA.size() != oodB.size())
        throw Error("cannot compare two scores of different images (ID " + std::to_string(idA.size()) + " vs " +
                    std::to_string(idB.size()) + ", OOD " + std::to_string(oodA.size()) + " vs " +
                    std::to_string(oodB.size()) + " scores)");
    Pairs p;
    for (std::size_t i = 0; i < idA.size(); ++i)
        if (!std::isnan(idA[i]) && !std::isnan(idB[i])) {
            p.idA.push_back(idA[i]);
            p.idB.push_back(idB[i]);
        }
    for (std::size_t j = 0; j < oodA.size(); ++j)
        if (!std::isnan(oodA[j]) && !std::isnan(oodB[j])) {
            p.oodA.push_back(oodA[j]);
            p.oodB.push_back(oodB[j]);
        }
    if (p.idA.size() < 2 || p.oodA.size() < 2)
        throw Error("cannot compare two scores: fewer than two ID or OOD images have both scores");
    return p;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

double covariance(const std::vector<double>& a, const std::vector<double>& b)
{
    const double ma = mean(a), mb = mean(b);
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += (a[i] - ma) * (b[i] - mb);
    return s / double(a.size() - 1);
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return linearPercentile(v, 100 * p);
}

} // namespace

Placements placements(const std::vector<double>& id, const std::vector<double>& ood)
{
    std::vector<double> all(id);
    all.insert(all.end(), ood.begin(), ood.end());
    const std::vector<double> rAll = midranks(all), rId = midranks(id), rOod = midranks(ood);
    Placements p;
    p.id.resize(id.size());
    p.ood.resize(ood.size());
    const double m = double(id.size()), n = double(ood.size());
    for (std::size_t i = 0; i < id.size(); ++i)
        p.id[i] = (rAll[i] - rId[i]) / n; // OOD images below ID image i, ties half
    for (std::size_t j = 0; j < ood.size(); ++j)
        p.ood[j] = 1.0 - (rAll[id.size() + j] - rOod[j]) / m; // ID images above OOD image j, ties half
    return p;
}

AurocComparison delongTest(const std::vector<double>& idA, const std::vector<double>& oodA,
                           const std::vector<double>& idB, const std::vector<double>& oodB)
{
    const Pairs p = usablePairs(idA, oodA, idB, oodB);
    const Placements a = placements(p.idA, p.oodA), b = placements(p.idB, p.oodB);
    AurocComparison c;
    c.idCount = p.idA.size();
    c.oodCount = p.oodA.size();
    c.aurocA = mean(a.id);
    c.aurocB = mean(b.id);
    c.difference = c.aurocA - c.aurocB;
    const double var = (covariance(a.id, a.id) + covariance(b.id, b.id) - 2 * covariance(a.id, b.id)) / double(c.idCount) +
                       (covariance(a.ood, a.ood) + covariance(b.ood, b.ood) - 2 * covariance(a.ood, b.ood)) /
                           double(c.oodCount);
    c.standardError = std::sqrt(std::max(0.0, var));
    if (c.standardError > 0) {
        c.z = c.difference / c.standardError;
        c.pValue = std::erfc(std::abs(c.z) / std::sqrt(2.0));
    } else if (c.difference != 0) {
        // Zero variance with a difference (both scores separate the sets perfectly, in opposite
        // directions, say): the normal approximation says nothing.
        c.z = c.pValue = std::numeric_limits<double>::quiet_NaN();
    }
    return c;
}

PairedBootstrap pairedBootstrap(const std::vector<double>& idA, const std::vector<double>& oodA,
                                const std::vector<double>& idB, const std::vector<double>& oodB, int resamples,
                                std::uint64_t seed, const ProgressSink* cancel)
{
    const Pairs p = usablePairs(idA, oodA, idB, oodB);
    PairedBootstrap out;
    out.resamples = resamples;
    out.seed = seed;
    const BinaryMetrics fullA = computeMetrics(p.idA, p.oodA), fullB = computeMetrics(p.idB, p.oodB);
    out.auroc.estimate = out.auroc.low = out.auroc.high = fullA.auroc - fullB.auroc;
    out.fpr95_id.estimate = out.fpr95_id.low = out.fpr95_id.high = fullA.fpr95_id - fullB.fpr95_id;
    out.aurocOfA = {fullA.auroc, fullA.auroc};
    out.aurocOfB = {fullB.auroc, fullB.auroc};
    if (resamples <= 0)
        return out;
    SplitMix64 rng(seed);
    const std::size_t m = p.idA.size(), n = p.oodA.size();
    std::vector<double> ia(m), ib(m), oa(n), ob(n), dAuroc, dFpr, aA, aB;
    for (int r = 0; r < resamples; ++r) {
        throwIfCancelled(cancel);
        for (std::size_t i = 0; i < m; ++i) {
            const std::size_t k = rng.index(m);
            ia[i] = p.idA[k];
            ib[i] = p.idB[k];
        }
        for (std::size_t j = 0; j < n; ++j) {
            const std::size_t k = rng.index(n);
            oa[j] = p.oodA[k];
            ob[j] = p.oodB[k];
        }
        const BinaryMetrics a = computeMetrics(ia, oa), b = computeMetrics(ib, ob);
        dAuroc.push_back(a.auroc - b.auroc);
        dFpr.push_back(a.fpr95_id - b.fpr95_id);
        aA.push_back(a.auroc);
        aB.push_back(b.auroc);
    }
    out.aurocOfA = {percentile(aA, 0.025), percentile(aA, 0.975)};
    out.aurocOfB = {percentile(aB, 0.025), percentile(aB, 0.975)};
    out.auroc.low = percentile(dAuroc, 0.025);
    out.auroc.high = percentile(dAuroc, 0.975);
    out.fpr95_id.low = percentile(dFpr, 0.025);
    out.fpr95_id.high = percentile(dFpr, 0.975);
    return out;
}

} // namespace oodlens
