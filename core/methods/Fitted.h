// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"
#include "features/FeatureSet.h"

#include <memory>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;
class ScoreParams;

// A post-hoc baseline whose statistics come from a fit set (class means and covariance, a
// normalised feature bank, an activation percentile, a principal subspace) or from nothing (ASH).
// Fitting happens once; scoring any number of feature sets reuses it.
class FittedScorer {
public:
    virtual ~FittedScorer() = default;
    // Scores oriented higher = more ID, one per row.
    virtual std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const = 0;
    // What the fit found or had to do, for logs and run metadata ("shrinkage 1e-06 applied").
    const std::string& note() const { return note_; }

protected:
    std::string note_;
};

// True for the ids this module fits: mahalanobis, knn, react, ash, vim.
bool isFittedMethod(const std::string& method);
// True when the method needs a fit set (all of the above but ash).
bool needsFitSet(const std::string& method);

// Fits `method` on the fit set's features (and labels, for mahalanobis; predictions stand in
// when the fit set has none, and note() says so). `fit` may be null for methods that need none.
// Throws Error on degenerate input: an empty fit set, a feature dimension that does not match the
// model, k larger than the bank, a missing fit set.
std::unique_ptr<FittedScorer> fitScorer(const std::string& method, const FeatureSet* fit, const Head& head,
                                        const ScoreParams& params, ProgressSink* sink = nullptr);

} // namespace oodlens
