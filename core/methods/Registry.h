// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The method registry: the only list of methods, read by everything that needs to know them.
#include "methods/Method.h"

#include <map>
#include <string>
#include <vector>

namespace oodlens {

// Every method, in display order (the order of methods/MethodList.h).
const std::vector<MethodInfo>& methodRegistry();
// nullptr when unknown.
const MethodInfo* findMethod(const std::string& id);
// Throws Error naming an unknown id.
const MethodInfo& requireMethod(const std::string& id);
// Parses "a,b,c"; "all" or empty gives every method. Throws Error naming an unknown id.
std::vector<std::string> parseMethodList(const std::string& list);
// The methods of a starting selection (Panel), in registry order.
std::vector<std::string> defaultMethods(Panel panel);
// Every method a run can compute: all of them, but those that need a fit set only when one is given.
std::vector<std::string> applicableMethods(bool haveFitSet);

// The non-gradient scores a gradient score is best compared with, most telling first (the
// scatter's and the disagreement view's default partner).
std::vector<std::string> comparisonMethods();
// The gradient score the views show first (GradNorm): the first closed-form gradient product.
const MethodInfo* primaryGradientMethod();
// The product factors of `id` (an autograd variant answers with its closed form's); nullptr when
// the method is not a feature term x output term product.
const Factors* factorsOf(const std::string& id);

// Score parameters as given by the user. A key is either "name" (applies to every method with
// that parameter) or "method.name" (applies to that method only, and wins).
class ScoreParams {
public:
    void set(const std::string& key, double value);
    // Parses "T=2" or "gradnorm.T=2"; throws Error on malformed text, an unknown method, or a
    // parameter the named method does not have.
    void parseAssignment(const std::string& text);
    double value(const std::string& method, const ParamSpec& spec) const;
    // The value given for `method`'s parameter `name` (its own key, then the global one), else
    // `fallback`; unchecked: resolve() is what scoring uses.
    double value(const std::string& method, const std::string& name, double fallback) const;
    // The values of `method`'s parameters (defaults filled in); throws Error naming the method,
    // the parameter and its valid range when a value is outside it.
    ParamValues resolve(const MethodInfo& method) const;
    ParamValues resolve(const std::string& method) const { return resolve(requireMethod(method)); }
    const std::map<std::string, double>& entries() const { return entries_; }
    bool operator==(const ScoreParams& other) const { return entries_ == other.entries_; }

private:
    std::map<std::string, double> entries_;
};

// Checks every parameter of `methods` (as resolve() does) before a run starts.
void validateParams(const std::vector<std::string>& methods, const ScoreParams& params);

// --- Orientation: the parameter every method has ----------------------------------------------
// Every score is oriented higher = more ID by its paper's convention. On some data a score's
// orientation is reversed (ExGrad and Gini on the demo reach an AUROC of about 3 %). Every method
// therefore has the switch `flip` (0 or 1, default 0), added here once, never by a method file:
// `--param exgrad.flip=1`, the session's "params", the Methods dock's "flip" checkbox. With flip = 1
// the method's scores are negated after they are computed (so AUROC becomes 1 - AUROC), and its
// label says so (methodLabel()).
extern const char* const kFlipParam; // "flip"
// The ParamSpec of `flip`, as every method lists it (last).
const ParamSpec& orientationParam();
// Whether resolved values (or `method`'s values in `params`) set flip = 1.
bool isFlipped(const ParamValues& values);
bool isFlipped(const std::string& method, const ScoreParams& params);
// Negates `scores` in place when `values` set flip = 1.
void applyOrientation(const ParamValues& values, std::vector<double>& scores);
// The one rule for naming a score to people (tables, exports, legends, the GUI): the registry
// label, followed by " (flipped)" when its flip is set ("ExGrad (flipped)"). Unknown ids are
// returned as they are.
std::string methodLabel(const std::string& method, const ScoreParams& params = ScoreParams());
// The family's exponent parameter "a" (||h||_q^a x phi, default 1): methodLabel() shows a value other
// than 1 after the feature term ("||h||_2^0.5 x MSP").
extern const char* const kExponentParam;
// The mark methodLabel() appends to a flipped method's label: " (flipped)".
extern const char* const kFlippedMark;

} // namespace oodlens
