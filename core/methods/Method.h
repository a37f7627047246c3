// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What a method is: the one declaration every part of OOD Lens reads (scoring, fitting, the
// pipeline, `oodlens-cli methods`, the Methods dock, scatter presets, the inspector, exports).
// Each method file declares its methods once (see methods/MethodList.h); nothing else names them.
#include "features/FeatureSet.h"
#include "model/Classifier.h"

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oodlens {

class FittedScorer;
class ProgressSink;

// The groups of the Methods dock and of `oodlens-cli methods`, in display order.
enum class MethodGroup {
    Gradient,     // last-layer gradient norms (closed form and autograd)
    Output,       // functions of the logits alone
    Feature,      // functions of the penultimate features (norms, activation shaping)
    Family,       // feature norm x output term, the non-gradient family of Igoe et al.
    Fitted,       // baselines with statistics of an ID fit set
    Perturbation, // need the images again (an input gradient)
};
const std::vector<MethodGroup>& methodGroups();
// Short stable name ("gradient", "output", ...), used in files and on the command line.
const char* methodGroupName(MethodGroup group);
// Heading for menus and docks ("Gradient-based", "Output space", ...).
const char* methodGroupTitle(MethodGroup group);
// One sentence on what the group's methods have in common (tooltips).
const char* methodGroupHelp(MethodGroup group);

// One numeric parameter of a method, with its default and the range it must lie in.
struct ParamSpec {
    std::string name; // e.g. "T"
    double defaultValue = 0;
    std::string help;
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool minExclusive = false;
    bool maxExclusive = false;
    bool integer = false;
    // The values a sweep tries (methods/Sweep.h), from the method's paper or OpenOOD's
    // postprocessor_sweep; empty = the parameter is not swept. Every value lies in the range.
    std::vector<double> grid{};

    // "(0, inf)", "[1, inf), integer".
    std::string rangeText() const;
    bool accepts(double value) const;
    // An on/off switch: an integer in [0, 1] (the GUI shows a checkbox).
    bool isSwitch() const { return integer && min == 0 && max == 1; }
};

// Parameter values resolved for one method (defaults filled in, ranges checked).
class ParamValues {
public:
    double get(const std::string& name) const; // throws Error when the method has no such parameter
    void set(const std::string& name, double value) { values_[name] = value; }
    // The same values without parameter `name` (e.g. without "flip", for what a method computes
    // before its orientation is applied).
    ParamValues without(const std::string& name) const;
    const std::map<std::string, double>& values() const { return values_; }
    // "T=1;eps=0.0014": identifies the values in cache keys.
    std::string key() const;
    bool operator==(const ParamValues& o) const { return values_ == o.values_; }

private:
    std::map<std::string, double> values_;
};

// What a method needs besides the cached features and logits.
enum Need : unsigned {
    NeedsFitSet = 1u << 0,   // statistics of an ID fit set (--fit)
    NeedsLabels = 1u << 1,   // the fit set's labels (the model's predictions stand in, and it says so)
    NeedsImages = 1u << 2,   // the images again, not only cached features (an input gradient)
    NeedsAutograd = 1u << 3, // per-sample autograd: slow by design
    // A D x D covariance of the fit features: with fewer fit images than feature dimensions it is
    // singular, and the fit's statistics (a precision, a principal subspace, ViM's alpha) are
    // unreliable. The pipeline warns then (fitWarning), naming what the fit found.
    NeedsCovariance = 1u << 4,
};

// score = featureTerm(h) * outputTerm(z) * scale: the two factors of a product score, as ids of
// registered methods (a Feature norm and an Output term). Read by the inspector's decomposition,
// the scatter's decomposition plane and the factor analysis.
struct Factors {
    std::string featureTerm;
    std::string outputTerm;
    // Constant factor from the parameters (GradNorm's 1/T); null means 1.
    std::function<double(const ParamValues&)> scale;
    // Exponent of the feature term from the parameters (the family's "a": ||h||_q^a x phi); null means 1.
    std::function<double(const ParamValues&)> exponent;
};

// One batch of preprocessed images, for methods that need the images (NeedsImages).
struct ImageBatch {
    const float* input = nullptr; // n x c x h x w
    int n = 0, c = 0, h = 0, w = 0;
    const PreprocessSpec* preprocess = nullptr;
};

// Which starting selections a method belongs to (see defaultMethods()).
enum Panel : unsigned {
    PanelGui = 1u << 0,  // checked in the Methods dock of a new window
    PanelDemo = 1u << 1, // scored by `oodlens-cli demo`
};

// A method: identity, parameters, needs, factors, and exactly one way to compute it.
struct MethodInfo {
    std::string id;    // stable id used in files and on the command line ("gradnorm")
    std::string label; // display name ("GradNorm"); exports show labels, not ids
    MethodGroup group = MethodGroup::Output;
    std::vector<ParamSpec> params;
    std::string formula;   // one line, for tooltips and docs
    std::string reference; // the paper it comes from
    unsigned needs = 0;    // Need flags
    unsigned panels = 0;   // Panel flags
    // Non-gradient scores a gradient score is compared with by default: 1 = first choice; 0 = none.
    int comparisonRank = 0;
    std::optional<Factors> factors;
    // Autograd variants: the closed form they compute exactly (their decomposition is its).
    std::string closedForm;

    // Ways to compute; exactly one is set (products compute from `factors`).
    // A Feature norm: ||h||_q.
    double featureNorm = 0;
    // An Output term: phi(z) for one row of logits (`scratch` may be reused between rows).
    std::function<double(const float* logits, int classes, const ParamValues&, std::vector<double>& scratch)> outputTerm;
    // A score of a whole feature set from its features, logits and the head.
    std::function<std::vector<double>(const FeatureSet&, const Head&, const ParamValues&, ProgressSink*)> score;
    // A fitted baseline: statistics from the fit set (null when the method needs none), then scores.
    std::function<std::unique_ptr<FittedScorer>(const FeatureSet* fit, const Head&, const ParamValues&, ProgressSink*)> fit;
    // A method that needs the images: scores of one batch through the model.
    std::function<std::vector<double>(const Classifier&, const ImageBatch&, const ParamValues&)> images;

    bool has(Need need) const { return (needs & need) != 0; }
    bool inPanel(Panel panel) const { return (panels & panel) != 0; }
    // Cheap enough to score after every dataset: no autograd, no fit, no pass over the images.
    bool isClosedForm() const { return !(needs & (NeedsFitSet | NeedsAutograd | NeedsImages)) && !fit; }
    const ParamSpec* param(const std::string& name) const;
};

// A post-hoc baseline's fitted statistics (class means and covariance, a normalised feature bank,
// an activation percentile, a principal subspace). Fitting happens once; scoring any number of
// feature sets reuses it.
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

// Builds the registry; each method file has one `register<Name>(MethodRegistry&)` listed in
// methods/MethodList.h.
class MethodRegistry {
public:
    // Throws on a duplicate id or a method with no way to compute it (a programming error). Appends
    // the parameters every method has (orientationParam(), see Registry.h): method files never
    // declare them.
    void add(MethodInfo method);
    const MethodInfo* find(const std::string& id) const;
    const std::vector<MethodInfo>& all() const { return methods_; }

private:
    std::vector<MethodInfo> methods_;
};

} // namespace oodlens
