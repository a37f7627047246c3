// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Computing registered methods on extracted features. Every score is oriented higher = more ID,
// then negated when the method's `flip` parameter is 1 (see orientationParam() in Registry.h).
#include "methods/Registry.h"

#include <map>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

// Several methods at once on one feature set. Factors shared by products (feature norms, output
// terms at the same parameters) are computed once, so the whole closed-form panel costs little
// more than one method. Methods that need a fit set or the images cannot be computed from
// features alone: Error says what they need (the Pipeline computes them). Returns id -> scores.
std::map<std::string, std::vector<double>> computeScoreSet(const std::vector<std::string>& methods, const FeatureSet& set,
                                                          const Head& head, const ScoreParams& params,
                                                          ProgressSink* sink = nullptr);
std::vector<double> computeScores(const std::string& method, const FeatureSet& set, const Head& head,
                                  const ScoreParams& params, ProgressSink* sink = nullptr);

// The two factors of a product score for one row: score = sign * featureTerm * outputTerm, with
// the constant factor (GradNorm's 1/T, ExGrad's 2/T) folded into the output term and `sign` -1
// when the method is flipped (the factors keep their own orientation). Throws Error for a method
// without factors (see factorsOf()).
struct Decomposition {
    double featureTerm = 0;
    double outputTerm = 0;
    double sign = 1;
    double score() const { return sign * featureTerm * outputTerm; }
};
Decomposition decompose(const std::string& method, const FeatureSet& set, const Head& head, const ScoreParams& params,
                        std::size_t row);

// Fits a fitted method on the fit set's features (`fit` may be null for methods that need none).
// The scorer's scores are oriented by the method's flip.
// Throws Error on degenerate input: an empty fit set, a feature dimension that does not match the
// head, a parameter out of range, a missing fit set.
// The warning a fit deserves, or "": a method that fits a covariance (NeedsCovariance) on fewer
// fit images than feature dimensions gets "<label>: the fit set has N images, fewer than the D
// feature dimensions: its covariance is singular and the fitted statistics are unreliable (the
// fit found: <note>); use a fit set of at least D images".
std::string fitWarning(const MethodInfo& method, std::size_t fitRows, int featureDim, const std::string& note);

std::unique_ptr<FittedScorer> fitScorer(const std::string& method, const FeatureSet* fit, const Head& head,
                                        const ScoreParams& params, ProgressSink* sink = nullptr);

} // namespace oodlens
