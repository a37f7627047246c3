// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <limits>
#include <vector>

namespace oodlens {

class ProgressSink;

// Detection metrics for one ID set against one OOD set, scores oriented higher = more ID.
// Conventions (shared/reference/ood-methods.md):
// - auroc: P(score_id > score_ood) + 1/2 P(tie) (Mann-Whitney U / (n_id n_ood)).
// - fpr95_id: ID positive; the fraction of OOD accepted (score >= t) at the highest threshold t
//   where at least 95% of ID is accepted. Tied scores form one threshold; no interpolation.
// - fpr95_ood: OOD positive; the fraction of ID flagged (score <= t) at the lowest threshold t
//   where at least 95% of OOD is flagged.
// - aupr_in / aupr_out: average precision (step-wise, as scikit-learn's average_precision_score)
//   with ID positive on the score / OOD positive on the negated score.
// - detection_acc: max over thresholds of 1/2 (TPR_id + TNR_ood) (balanced accuracy).
// - threshold95: the threshold t of fpr95_id.
// NaN scores cannot be ordered: they are left out of every metric and counted in nonfinite_*.
// +/-inf are ordered like any other value and kept (and also counted in infinite_*).
struct BinaryMetrics {
    static constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();
    double auroc = 0;
    double fpr95_id = 0;
    double fpr95_ood = 0;
    double aupr_in = 0;
    double aupr_out = 0;
    double detection_acc = 0;
    double threshold95 = 0;
    // Deployment metrics (metrics/Deployment.h), NaN where the ID set's classes are unknown: CCR at
    // FPR 1e-4, 1e-3, 1e-2 and 1e-1 (OpenOOD's ccr_4 ... ccr_1) and AURC, the area under the ID
    // set's risk-coverage curve (it depends on the ID set alone: every OOD set's row repeats it).
    // computeMetrics() leaves them NaN; the run's metrics table fills them in.
    double ccr_1e4 = kUnset, ccr_1e3 = kUnset, ccr_1e2 = kUnset, ccr_1e1 = kUnset;
    double aurc = kUnset;
    std::size_t n_id = 0;     // finite-or-inf scores used
    std::size_t n_ood = 0;
    std::size_t nan_id = 0;   // NaN scores left out
    std::size_t nan_ood = 0;
    std::size_t inf_id = 0;
    std::size_t inf_ood = 0;

    // Every rate NaN: the row of a pair whose metrics cannot be computed.
    static BinaryMetrics undefined();
};

// Throws Error when either side has no usable (non-NaN) score.
BinaryMetrics computeMetrics(const std::vector<double>& id, const std::vector<double>& ood);

// Percentile bootstrap 95% confidence intervals: ID and OOD scores are resampled independently
// with replacement (stratified), `resamples` times, from a seeded generator (same seed, same CI).
struct Interval {
    double lo = 0;
    double hi = 0;
};
struct BootstrapIntervals {
    int resamples = 0;
    unsigned long long seed = 0;
    Interval auroc, fpr95_id, fpr95_ood, aupr_in, aupr_out;
};
// Polls `sink` for cancellation between resamples (throws Cancelled).
BootstrapIntervals bootstrapMetrics(const std::vector<double>& id, const std::vector<double>& ood, int resamples,
                                    unsigned long long seed, const ProgressSink* sink = nullptr);

// ROC curve with ID positive: one point per distinct threshold (descending), starting at (0,0)
// and ending at (1,1). fpr = fraction of OOD with score >= t, tpr = fraction of ID with score >= t.
struct RocCurve {
    std::vector<double> fpr;
    std::vector<double> tpr;
    std::vector<double> threshold; // threshold[0] = +inf for the (0,0) point
};
RocCurve rocCurve(const std::vector<double>& id, const std::vector<double>& ood);

// Precision-recall curve; `idPositive` false scores OOD as positive on the negated score.
struct PrCurve {
    std::vector<double> recall;
    std::vector<double> precision;
    std::vector<double> threshold;
};
PrCurve prCurve(const std::vector<double>& id, const std::vector<double>& ood, bool idPositive);

// Rates at one threshold t (accept as ID when score >= t).
struct OperatingPoint {
    double tpr_id = 0;    // fraction of ID accepted
    double fpr_id = 0;    // fraction of OOD accepted (ID-positive FPR)
    double tpr_ood = 0;   // fraction of OOD flagged
    double fpr_ood = 0;   // fraction of ID flagged (OOD-positive FPR)
};
OperatingPoint operatingPoint(const std::vector<double>& id, const std::vector<double>& ood, double threshold);

} // namespace oodlens
