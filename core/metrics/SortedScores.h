// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <vector>

namespace oodlens {

// The TPR most of the OOD literature reports its FPR at (FPR@95), and the first threshold every
// view of a run shows: the one that keeps 95% of the ID images.
constexpr double kIdTpr95 = 0.95;

// One set of scores sorted once (NaN left out, but counted), so that every question a threshold
// asks of it is a binary search: how many are accepted (score >= t), where a value sits among
// them (its percentile), and which threshold keeps a given share. The one sorted-score index of
// the code base: core's metrics (threshold95 and fpr95), the threshold index of the views, the
// inspector's percentiles and the disagreement finder all read it.
class SortedScores {
public:
    SortedScores() = default;
    explicit SortedScores(const std::vector<double>& scores);

    // Every score given, NaN included.
    std::size_t total() const { return total_; }
    // Scores that are not NaN (they have a place in the order).
    std::size_t usable() const { return sorted_.size(); }
    std::size_t nanCount() const { return total_ - sorted_.size(); }
    bool empty() const { return sorted_.empty(); }
    // The non-NaN scores, ascending.
    const std::vector<double>& values() const { return sorted_; }

    // Accepted as ID at `threshold` (score >= threshold); NaN scores never are, nor is anything
    // at a NaN threshold.
    std::size_t accepted(double threshold) const;
    // Fraction of the usable scores <= value, in [0, 1]. Ties count as below, so the largest score
    // sits at 1 and a value equal to every score is at 1, not in the middle. NaN for a NaN value
    // or when there is no usable score.
    double percentile(double value) const;
    // The highest threshold t that accepts (score >= t) at least a fraction `tpr` of the usable
    // scores: the smallest k with k / usable >= tpr, and t the k-th highest score (tied scores
    // form one threshold, no interpolation). For k = 0 (tpr <= 0), just above the highest score.
    // NaN when there is no usable score.
    double thresholdForTpr(double tpr) const;

private:
    std::vector<double> sorted_;
    std::size_t total_ = 0;
};

// The fewest of `n` scores to accept so that at least a fraction `tpr` of them is accepted
// (k / n >= tpr, compared as the metrics always have); 0 when tpr <= 0, n when tpr > 1.
std::size_t acceptedForTpr(std::size_t n, double tpr);

// SortedScores(idScores).thresholdForTpr(tpr), for a one-off question; throws Error when no ID
// score is usable. With tpr = kIdTpr95 it is BinaryMetrics::threshold95.
double thresholdAtIdTpr(const std::vector<double>& idScores, double tpr);
// SortedScores(reference).percentile(value), for a one-off question.
double percentileWithin(const std::vector<double>& reference, double value);

} // namespace oodlens
