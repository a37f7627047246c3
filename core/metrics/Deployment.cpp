// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/Deployment.h"

#include "common/Progress.h"
#include "common/SplitMix64.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace oodlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

Correctness correctness(const FeatureSet& set)
{
    Correctness c(set.rows, -1);
    for (std::size_t r = 0; r < set.rows && r < set.labels.size(); ++r)
        if (set.labels[r] >= 0)
            c[r] = set.prediction(r) == set.labels[r] ? 1 : 0;
    return c;
}

const std::vector<double>& ccrFprs()
{
    static const std::vector<double> fprs{1e-4, 1e-3, 1e-2, 1e-1};
    return fprs;
}

double ccrAtFpr(const std::vector<double>& idScores, const Correctness& correct, const std::vector<double>& oodScores,
                double fpr)
{
    std::vector<double> ood;
    ood.reserve(oodScores.size());
    for (double s : oodScores)
        if (!std::isnan(s))
            ood.push_back(s);
    std::size_t ids = 0, hits = 0;
    for (std::size_t i = 0; i < idScores.size() && i < correct.size(); ++i)
        if (correct[i] >= 0 && !std::isnan(idScores[i]))
            ++ids;
    if (ood.empty() || ids == 0)
        return kNaN;
    const auto wanted = static_cast<std::size_t>(std::ceil(fpr * double(ood.size())));
    const std::size_t k = std::min(ood.size(), std::max<std::size_t>(1, wanted));
    // The k-th highest OOD score.
    std::nth_element(ood.begin(), ood.begin() + (ood.size() - k), ood.end());
    const double t = ood[ood.size() - k];
    for (std::size_t i = 0; i < idScores.size() && i < correct.size(); ++i)
        if (correct[i] == 1 && !std::isnan(idScores[i]) && idScores[i] > t)
            ++hits;
    return double(hits) / double(ids);
}

RiskCoverage riskCoverageCurve(const std::vector<double>& idScores, const Correctness& correct)
{
    std::vector<std::pair<double, bool>> rows; // (score, wrong)
    for (std::size_t i = 0; i < idScores.size() && i < correct.size(); ++i)
        if (correct[i] >= 0 && !std::isnan(idScores[i]))
            rows.emplace_back(idScores[i], correct[i] == 0);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    RiskCoverage c;
    const double n = double(rows.size());
    std::size_t taken = 0, wrong = 0;
    for (std::size_t i = 0; i < rows.size();) {
        const double t = rows[i].first;
        for (; i < rows.size() && rows[i].first == t; ++i) {
            ++taken;
            wrong += rows[i].second;
        }
        c.coverage.push_back(double(taken) / n);
        c.risk.push_back(double(wrong) / double(taken));
        c.threshold.push_back(t);
    }
    return c;
}

double aurc(const RiskCoverage& curve)
{
    if (curve.coverage.empty())
        return kNaN;
    double area = 0, previous = 0;
    for (std::size_t j = 0; j < curve.coverage.size(); ++j) {
        area += curve.risk[j] * (curve.coverage[j] - previous);
        previous = curve.coverage[j];
    }
    return area;
}

double aurc(const std::vector<double>& idScores, const Correctness& correct)
{
    return aurc(riskCoverageCurve(idScores, correct));
}

double linearPercentile(const std::vector<double>& sorted, double q)
{
    const double pos = q / 100 * double(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

RateInterval acceptedRate(const std::vector<double>& scores, double threshold, int resamples, std::uint64_t seed,
                          const ProgressSink* cancel)
{
    RateInterval r;
    r.resamples = std::max(0, resamples);
    r.seed = seed;
    std::vector<unsigned char> accepted;
    accepted.reserve(scores.size());
    for (double s : scores)
        if (!std::isnan(s))
            accepted.push_back(s >= threshold);
    r.count = accepted.size();
    r.accepted = static_cast<std::size_t>(std::count(accepted.begin(), accepted.end(), 1));
    if (r.count == 0) {
        r.estimate = r.low = r.high = kNaN;
        return r;
    }
    r.estimate = double(r.accepted) / double(r.count);
    r.low = r.high = r.estimate;
    if (r.resamples == 0)
        return r;
    SplitMix64 rng(seed);
    std::vector<double> rates(static_cast<std::size_t>(r.resamples));
    for (double& rate : rates) {
        throwIfCancelled(cancel);
        std::size_t hits = 0;
        for (std::size_t i = 0; i < r.count; ++i)
            hits += accepted[rng.index(r.count)];
        rate = double(hits) / double(r.count);
    }
    std::sort(rates.begin(), rates.end());
    r.low = linearPercentile(rates, 2.5);
    r.high = linearPercentile(rates, 97.5);
    return r;
}

} // namespace oodlens
