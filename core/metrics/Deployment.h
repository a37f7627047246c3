// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The metrics a deployment needs besides detection: how well the classifier classifies the images a
// score accepts. Every definition is written out so that numpy can redo it
// (tests/python/crosscheck_deployment.py). Scores are oriented higher = more ID (= more confident).
#include "features/FeatureSet.h"
#include "metrics/Metrics.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace oodlens {

class ProgressSink;

// Whether each ID image is classified correctly: 1 correct, 0 wrong, -1 unknown (no label). The
// one input of the accuracy (ResultsTable.h's classificationAccuracy), CCR and AURC.
using Correctness = std::vector<signed char>;
// Of each row of `set` (an ID set): its prediction (FeatureSet::prediction) against its label;
// unknown where the label is -1. A label outside the model's classes counts as wrong (the run
// warns about such labels).
Correctness correctness(const FeatureSet& set);

// The FPRs OpenOOD v1.5 reports CCR at (ccr_4 ... ccr_1), from the strictest.
const std::vector<double>& ccrFprs();

// CCR@FPR, the correct classification rate at a false positive rate (OpenOOD v1.5,
// evaluators/metrics.py ccr_fpr): with the OOD scores sorted ascending and k = max(1,
// ceil(fpr * n_ood)), the threshold t is the k-th highest OOD score; CCR is the number of ID images
// with score > t (strictly) that are classified correctly, divided by the number of ID images.
// ID images whose correctness is unknown and NaN scores are left out of both sides. NaN when
// either side has no usable image.
double ccrAtFpr(const std::vector<double>& idScores, const Correctness& correct, const std::vector<double>& oodScores,
                double fpr);

// The risk-coverage curve of selective classification (Geifman & El-Yaniv 2017) with the score
// as the confidence: for each distinct score t, from the highest down, coverage = the share of the
// (usable) ID images with score >= t, and risk = the share of them that are misclassified. Tied
// scores enter together (one point). Images with unknown correctness or a NaN score are left out.
struct RiskCoverage {
    std::vector<double> coverage; // ascending, last = 1
    std::vector<double> risk;
    std::vector<double> threshold;
};
RiskCoverage riskCoverageCurve(const std::vector<double>& idScores, const Correctness& correct);
// AURC: the area under the risk-coverage curve as a step function, sum over the points of
// risk_j * (coverage_j - coverage_{j-1}) with coverage_0 = 0. Without ties it is the mean over
// k = 1..n of the risk of the k most confident images. Lower is better; NaN when no image is usable.
double aurc(const RiskCoverage& curve);
double aurc(const std::vector<double>& idScores, const Correctness& correct);

// A rate at a threshold with its bootstrap interval: the share of `scores` accepted (score >=
// threshold; NaN scores are never accepted and are left out of the count), and the percentile
// bootstrap 95 % interval over `resamples` resamples of the usable scores with replacement, drawn
// with SplitMix64 seeded with `seed` as PairedComparison.h documents (index = (x * n) >> 64),
// percentiles by linear interpolation (numpy's default). lo = hi = estimate with 0 resamples.
struct RateInterval {
    double estimate = 0, low = 0, high = 0;
    std::size_t count = 0;    // usable scores
    std::size_t accepted = 0; // of them accepted
    int resamples = 0;
    std::uint64_t seed = 0;
};
RateInterval acceptedRate(const std::vector<double>& scores, double threshold, int resamples, std::uint64_t seed,
                          const ProgressSink* cancel = nullptr);

// numpy.percentile(sorted, q) with linear interpolation, q in [0, 100]; `sorted` ascending and
// not empty.
double linearPercentile(const std::vector<double>& sorted, double q);

} // namespace oodlens
