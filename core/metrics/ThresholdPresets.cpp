// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ThresholdPresets.h"

#include "metrics/Metrics.h"
#include "metrics/SortedScores.h"

#include <cmath>
#include <limits>

namespace oodlens {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<double>& idScores(const RunResult& result, const std::string& method)
{
    static const std::vector<double> none;
    return result.idIndex < 0 ? none : result.scoresOf(method, static_cast<std::size_t>(result.idIndex));
}

// The ROC of the ID set against the pooled OOD sets; empty when either side has no score.
RocCurve pooledRoc(const RunResult& result, const std::string& method)
{
    const std::vector<double>& id = idScores(result, method);
    const std::vector<double> ood = pooledOodScores(result, method);
    if (id.empty() || ood.empty())
        return {};
    return rocCurve(id, ood);
}

} // namespace

std::vector<double> pooledOodScores(const RunResult& result, const std::string& method)
{
    std::vector<double> pooled;
    for (std::size_t ood : result.oodIndices) {
        const std::vector<double>& s = result.scoresOf(method, ood);
        pooled.insert(pooled.end(), s.begin(), s.end());
    }
    return pooled;
}

double thresholdAtIdTpr95(const RunResult& result, const std::string& method)
{
    // Depends on the ID scores alone: the same function as BinaryMetrics::threshold95.
    return SortedScores(idScores(result, method)).thresholdForTpr(kIdTpr95);
}

double thresholdAtFpr(const RunResult& result, const std::string& method, double fpr)
{
    const RocCurve roc = pooledRoc(result, method);
    double best = kNaN, bestTpr = -1;
    // Point 0 is the (0, 0) corner at +inf: a threshold nobody can type or draw.
    for (std::size_t i = 1; i < roc.fpr.size(); ++i)
        if (roc.fpr[i] <= fpr + 1e-12 && roc.tpr[i] > bestTpr && std::isfinite(roc.threshold[i])) {
            bestTpr = roc.tpr[i];
            best = roc.threshold[i];
        }
    return best;
}

double thresholdYouden(const RunResult& result, const std::string& method)
{
    const RocCurve roc = pooledRoc(result, method);
    double best = kNaN, bestJ = -2;
    for (std::size_t i = 1; i < roc.fpr.size(); ++i) {
        const double j = roc.tpr[i] - roc.fpr[i];
        if (j > bestJ && std::isfinite(roc.threshold[i])) {
            bestJ = j;
            best = roc.threshold[i];
        }
    }
    return best;
}

} // namespace oodlens
