// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"
#include "features/FeatureSet.h"

#include <map>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

enum class MethodGroup { Gradient, NonGradient, Fitted };
const char* methodGroupName(MethodGroup group);

struct ParamSpec {
    std::string name;    // e.g. "T"
    double defaultValue;
    std::string help;
};

// One OOD score as defined in shared/reference/ood-methods.md. Every score is oriented so that
// higher means more in-distribution.
struct MethodInfo {
    std::string id;       // stable id used in files and on the command line ("gradnorm")
    std::string label;    // display name ("GradNorm")
    MethodGroup group;
    std::vector<ParamSpec> params;
    std::string formula;  // one line, for tooltips and docs
    bool perSampleGradient = false; // autograd variants: slow by design
    bool needsFitSet = false;       // fitted on an ID training set (--fit)
    bool needsImages = false;       // needs the images again, not only cached features (ODIN)
};

// Every method the engine computes, in display order.
const std::vector<MethodInfo>& methodRegistry();
// nullptr when unknown.
const MethodInfo* findMethod(const std::string& id);
// Parses "a,b,c"; "all" or empty gives every method. Throws Error naming an unknown id.
std::vector<std::string> parseMethodList(const std::string& list);

// Score parameters. A key is either "name" (applies to every method with that parameter) or
// "method.name" (applies to that method only, and wins).
class ScoreParams {
public:
    void set(const std::string& key, double value);
    // Parses "T=2" or "gradnorm.T=2"; throws Error on malformed text.
    void parseAssignment(const std::string& text);
    double value(const std::string& method, const ParamSpec& spec) const;
    double value(const std::string& method, const std::string& name, double fallback) const;
    const std::map<std::string, double>& entries() const { return entries_; }
    bool operator==(const ScoreParams& other) const { return entries_ == other.entries_; }

private:
    std::map<std::string, double> entries_;
};

// Computes one method for every row of a feature set. Throws Error for an unknown id, and for
// the fitted baselines, which need a fit (see Fitted.h; Pipeline does this for its datasets).
// Closed forms take microseconds per row; the *_autograd ids run LibTorch autograd per sample
// and report progress / honour cancellation through `sink`.
std::vector<double> computeScores(const std::string& method, const FeatureSet& set, const Head& head,
                                  const ScoreParams& params, ProgressSink* sink = nullptr);

// Several methods at once on one feature set: shared terms (feature norms, softmax statistics per
// temperature) are computed once, so scoring the whole closed-form panel costs little more than
// one method. Returns method id -> scores.
std::map<std::string, std::vector<double>> computeScoreSet(const std::vector<std::string>& methods, const FeatureSet& set,
                                                          const Head& head, const ScoreParams& params,
                                                          ProgressSink* sink = nullptr);

// The two factors of a family or gradient score for one row: score = featureTerm * outputTerm
// (with GradNorm's 1/T and ExGrad's 2/T folded into the output term). Used by the inspector.
struct Decomposition {
    double featureTerm = 0;
    double outputTerm = 0;
};
Decomposition decompose(const std::string& method, const FeatureSet& set, const Head& head,
                        const ScoreParams& params, std::size_t row);

} // namespace oodlens
