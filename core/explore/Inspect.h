// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"
#include "features/FeatureSet.h"
#include "methods/Scores.h"
#include "metrics/SortedScores.h"

#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

// Per-image questions the inspector, the gallery and the disagreement finder ask of a finished run.
// Every score is oriented higher = more ID, and an image is accepted as ID when score >= threshold;
// NaN never compares, so a NaN score is always flagged and always sorts last.

// Percentiles within the ID set and thresholds at an ID TPR come from metrics/SortedScores.h
// (SortedScores, percentileWithin, thresholdAtIdTpr), the one sorted-score index.

struct ClassProbability {
    int cls = -1;
    double probability = 0;
};
// The k most probable classes of one logit row under softmax(z / T), most probable first; ties keep
// the lower class index first. Fewer than k when there are fewer classes.
std::vector<ClassProbability> topProbabilities(const float* logits, int classes, int k, double temperature = 1.0);

// Predicted class (arg max of the logits) of every row.
std::vector<int> predictions(const FeatureSet& set);

// Normalised ranks in [0, 1]: 0 for the lowest score, 1 for the highest; tied scores share their
// average rank; NaN scores get NaN. A single finite score gets 0.5.
std::vector<double> normalizedRanks(const std::vector<double>& scores);

// a's normalised rank minus b's, per image (same images, same order); NaN where either is NaN.
// Positive: a finds the image more ID-like than b does, relative to the other images.
std::vector<double> rankDifference(const std::vector<double>& a, const std::vector<double>& b);

// One image of a run: dataset index (as in the score table) and row within that dataset.
struct ImageIndex {
    std::size_t dataset = 0;
    std::size_t row = 0;
    bool operator==(const ImageIndex& o) const { return dataset == o.dataset && row == o.row; }
    bool operator<(const ImageIndex& o) const { return dataset != o.dataset ? dataset < o.dataset : row < o.row; }
};

// What the gallery filters on. -1 means "any" for the class filters.
enum class FlagFilter { Any, Flagged, Accepted };
struct ImageFilter {
    int trueClass = -1;
    int predictedClass = -1;
    FlagFilter flag = FlagFilter::Any;
    double threshold = 0;         // for `flag`, applied to ImageColumns::flagScores
    bool restrict = false;        // when true, only images listed in `only` pass
    std::vector<ImageIndex> only; // any order
};

// One dataset's columns, borrowed (must outlive the call). Missing label / prediction vectors
// (empty) fail any class filter other than -1.
struct ImageColumns {
    std::size_t dataset = 0;
    const std::vector<double>* sortScores = nullptr; // what the order follows
    const std::vector<double>* flagScores = nullptr; // what the flag filter tests (the current method)
    const std::vector<int>* labels = nullptr;
    const std::vector<int>* predictions = nullptr;
};

// Images of every given dataset that pass `filter`, ordered by sortScores (ascending or
// descending); ties by (dataset, row); NaN scores last in either direction.
std::vector<ImageIndex> selectImages(const std::vector<ImageColumns>& columns, const ImageFilter& filter, bool ascending);

// Where a family or gradient score of one image sits among the ID set: both factors of
// decompose() with their percentiles within the ID set's factors.
struct FactorPercentiles {
    Decomposition value;
    double score = 0; // featureTerm * outputTerm
    double featurePercentile = 0;
    double outputPercentile = 0;
};
class DecompositionReference {
public:
    DecompositionReference() = default;
    // Decomposes every ID row once (throws Error when `method` is not a product).
    DecompositionReference(const std::string& method, const FeatureSet& id, const Head& head, const ScoreParams& params);
    FactorPercentiles locate(const FeatureSet& set, std::size_t row) const;
    const std::string& method() const { return method_; }

private:
    std::string method_;
    Head head_;
    ScoreParams params_;
    SortedScores feature_;
    SortedScores output_;
};

// Whether a method decomposes into featureTerm x outputTerm (decompose() accepts it).
bool isDecomposable(const std::string& method);

// Images where two scores disagree. Ranks are normalised over every image of every dataset given
// (pooled); flags use each method's threshold at the same ID TPR (matched operating points).
struct Disagreement {
    ImageIndex image;
    double scoreA = 0;
    double scoreB = 0;
    double rankA = 0;     // normalised pooled rank
    double rankB = 0;
    double rankDiff = 0;  // rankA - rankB
    bool flaggedA = false; // score < thresholdA (or NaN)
    bool flaggedB = false;
};
struct DisagreementReport {
    double tpr = 0.95;
    double thresholdA = 0;
    double thresholdB = 0;
    std::vector<Disagreement> rows; // ordered by |rankDiff| descending, then (dataset, row)
};
// scoresA[d] / scoresB[d]: dataset d's scores (same sizes); `idDataset` gives the thresholds.
// `flagConflictOnly`: keep only images flagged by exactly one method. `limit` 0 = all.
DisagreementReport findDisagreements(const std::vector<std::vector<double>>& scoresA,
                                     const std::vector<std::vector<double>>& scoresB, std::size_t idDataset,
                                     double tpr, bool flagConflictOnly, std::size_t limit);

} // namespace oodlens
