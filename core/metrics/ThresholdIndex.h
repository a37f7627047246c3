// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/RunResult.h"
#include "metrics/Metrics.h"
#include "metrics/SortedScores.h"

#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

// One method's scores on every dataset of a result, each a SortedScores, so that everything that
// depends on the threshold (rates, counts, operating points, percentiles) is a binary search
// away: O(log n) per mouse move instead of a pass over every image. Rates follow core's
// operatingPoint() exactly (NaN scores are left out of the rates); counts follow
// Workspace::isFlagged (NaN is flagged).
class ThresholdIndex {
public:
    ThresholdIndex() = default;
    ThresholdIndex(const RunResult& result, const std::string& method);

    bool empty() const { return sets_.empty(); }
    std::size_t datasetCount() const { return sets_.size(); }
    // Dataset `d`'s sorted scores (empty when there is no such dataset).
    const SortedScores& dataset(std::size_t d) const;

    // Images of dataset `d` with a score (NaN included).
    std::size_t total(std::size_t d) const;
    // Images of dataset `d` whose score is not NaN.
    std::size_t usable(std::size_t d) const;
    std::size_t nanCount(std::size_t d) const { return total(d) - usable(d); }
    // Accepted as ID at `threshold` (score >= threshold); NaN never is.
    std::size_t accepted(std::size_t d, double threshold) const;
    // Flagged as OOD (score < threshold, or NaN).
    std::size_t flagged(std::size_t d, double threshold) const { return total(d) - accepted(d, threshold); }

    // Rates of the ID set `id` against the OOD set `ood`, equal to oodlens::operatingPoint().
    OperatingPoint operatingPoint(std::size_t id, std::size_t ood, double threshold) const;
    // Precision with ID positive (accepted ID / all accepted) at `threshold`; 1 when nothing is accepted.
    double precisionIdPositive(std::size_t id, std::size_t ood, double threshold) const;
    // The highest threshold that accepts at least a fraction `tpr` of dataset `d` (its non-NaN
    // scores; SortedScores::thresholdForTpr); lets another method be read at the same ID
    // acceptance rate. NaN when `d` has none.
    double thresholdForAcceptance(std::size_t d, double tpr) const { return dataset(d).thresholdForTpr(tpr); }
    // Fraction of dataset `d`'s usable scores accepted at `threshold`; NaN when it has none.
    double acceptance(std::size_t d, double threshold) const;
    // Where `value` sits among dataset `d`'s scores (SortedScores::percentile).
    double percentile(std::size_t d, double value) const { return dataset(d).percentile(value); }
    // Lowest / highest non-NaN score over every dataset (NaN when there is none).
    double minimum() const { return min_; }
    double maximum() const { return max_; }

private:
    std::vector<SortedScores> sets_; // per dataset
    double min_ = 0, max_ = 0;
};

} // namespace oodlens
