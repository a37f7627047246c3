// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/Registry.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace oodlens {

#define OODLENS_METHOD(name) void register##name(MethodRegistry&);
#include "methods/MethodList.h"
#undef OODLENS_METHOD

namespace {

MethodRegistry buildRegistry()
{
    MethodRegistry r;
#define OODLENS_METHOD(name) register##name(r);
#include "methods/MethodList.h"
#undef OODLENS_METHOD
    // Factors and closed forms name other methods: check they exist, once.
    for (const MethodInfo& m : r.all()) {
        if (m.factors) {
            const MethodInfo* f = r.find(m.factors->featureTerm);
            const MethodInfo* o = r.find(m.factors->outputTerm);
            if (!f || !(f->featureNorm > 0) || !o || !o->outputTerm)
                throw Error("method registry: '" + m.id + "' names factors that are not a feature norm and an output term");
        }
        if (!m.closedForm.empty() && !r.find(m.closedForm))
            throw Error("method registry: '" + m.id + "' names an unknown closed form '" + m.closedForm + "'");
    }
    return r;
}

std::string number(double v)
{
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

} // namespace

const std::vector<MethodGroup>& methodGroups()
{
    static const std::vector<MethodGroup> groups{MethodGroup::Gradient, MethodGroup::Output,  MethodGroup::Feature,
                                                 MethodGroup::Family,   MethodGroup::Fitted,  MethodGroup::Perturbation};
    return groups;
}

const char* methodGroupName(MethodGroup group)
{
    switch (group) {
    case MethodGroup::Gradient: return "gradient";
    case MethodGroup::Output: return "output";
    case MethodGroup::Feature: return "feature";
    case MethodGroup::Family: return "family";
    case MethodGroup::Fitted: return "fitted";
    case MethodGroup::Perturbation: return "perturbation";
    }
    return "";
}

const char* methodGroupTitle(MethodGroup group)
{
    switch (group) {
    case MethodGroup::Gradient: return "Gradient-based";
    case MethodGroup::Output: return "Output space";
    case MethodGroup::Feature: return "Feature space";
    case MethodGroup::Family: return "Feature norm \u00d7 output term";
    case MethodGroup::Fitted: return "Fitted (uses the fit set)";
    case MethodGroup::Perturbation: return "Input perturbation (runs the model again)";
    }
    return "";
}

const char* methodGroupHelp(MethodGroup group)
{
    switch (group) {
    case MethodGroup::Gradient: return "Norms of the gradient of a loss with respect to the last layer";
    case MethodGroup::Output: return "Functions of the logits alone";
    case MethodGroup::Feature: return "Functions of the penultimate features (norms, activation shaping)";
    case MethodGroup::Family:
        return "A feature norm times an output term: the non-gradient family that factors every last-layer gradient norm";
    case MethodGroup::Fitted: return "Baselines with statistics fitted on the ID training (fit) set";
    case MethodGroup::Perturbation: return "Perturb the input against a gradient and run the model again";
    }
    return "";
}

std::string ParamSpec::rangeText() const
{
    std::string s = (minExclusive || std::isinf(min) ? "(" : "[") + number(min) + ", " + number(max) +
                    (maxExclusive || std::isinf(max) ? ")" : "]");
    return integer ? s + ", integer" : s;
}

bool ParamSpec::accepts(double v) const
{
    if (!std::isfinite(v))
        return false;
    if (minExclusive ? !(v > min) : !(v >= min))
        return false;
    if (maxExclusive ? !(v < max) : !(v <= max))
        return false;
    return !integer || v == std::floor(v);
}

const ParamSpec* MethodInfo::param(const std::string& name) const
{
    for (const ParamSpec& p : params)
        if (p.name == name)
            return &p;
    return nullptr;
}

double ParamValues::get(const std::string& name) const
{
    const auto it = values_.find(name);
    if (it == values_.end())
        throw Error("no parameter '" + name + "'");
    return it->second;
}

ParamValues ParamValues::without(const std::string& name) const
{
    ParamValues out = *this;
    out.values_.erase(name);
    return out;
}

std::string ParamValues::key() const
{
    std::string s;
    char buf[64];
    for (const auto& [name, value] : values_) {
        std::snprintf(buf, sizeof buf, "%.17g", value);
        s += (s.empty() ? "" : ";") + name + "=" + buf;
    }
    return s;
}

void MethodRegistry::add(MethodInfo m)
{
    if (m.id.empty() || find(m.id))
        throw Error("method registry: duplicate or empty id '" + m.id + "'");
    const int ways = (m.featureNorm > 0) + bool(m.outputTerm) + bool(m.score) + bool(m.fit) + bool(m.images) +
                     (m.factors && !m.score ? 1 : 0);
    if (ways != 1)
        throw Error("method registry: '" + m.id + "' needs exactly one way to compute it");
    // A method that copies another's parameters (a family product copies its output term's) brings
    // the orientation switch along: it is dropped and appended again, so every method has it once,
    // last. A method that declares a different `flip` of its own is a programming error.
    const ParamSpec& flip = orientationParam();
    std::vector<ParamSpec> own;
    for (const ParamSpec& p : m.params) {
        if (!p.accepts(p.defaultValue))
            throw Error("method registry: default of " + m.id + "." + p.name + " is outside its range");
        for (double v : p.grid)
            if (!p.accepts(v))
                throw Error("method registry: sweep grid value " + std::to_string(v) + " of " + m.id + "." + p.name +
                            " is outside its range");
        if (p.name != kFlipParam) {
            own.push_back(p);
            continue;
        }
        const bool copied = p.defaultValue == flip.defaultValue && p.min == flip.min && p.max == flip.max &&
                            p.integer == flip.integer && p.help == flip.help;
        if (!copied)
            throw Error("method registry: '" + m.id + "' declares '" + p.name + "', which every method has already");
    }
    own.push_back(flip);
    m.params = std::move(own);
    methods_.push_back(std::move(m));
}

const MethodInfo* MethodRegistry::find(const std::string& id) const
{
    for (const MethodInfo& m : methods_)
        if (m.id == id)
            return &m;
    return nullptr;
}

const std::vector<MethodInfo>& methodRegistry()
{
    static const MethodRegistry registry = buildRegistry();
    return registry.all();
}

const MethodInfo* findMethod(const std::string& id)
{
    for (const MethodInfo& m : methodRegistry())
        if (m.id == id)
            return &m;
    return nullptr;
}

const MethodInfo& requireMethod(const std::string& id)
{
    if (const MethodInfo* m = findMethod(id))
        return *m;
    throw Error("unknown method '" + id + "' (see `oodlens-cli methods`)");
}

std::vector<std::string> parseMethodList(const std::string& list)
{
    std::vector<std::string> out;
    if (list.empty() || list == "all") {
        for (const MethodInfo& m : methodRegistry())
            out.push_back(m.id);
        return out;
    }
    std::stringstream in(list);
    std::string id;
    while (std::getline(in, id, ',')) {
        if (id.empty())
            continue;
        requireMethod(id);
        if (std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    }
    if (out.empty())
        throw Error("no method given in '" + list + "'");
    return out;
}

std::vector<std::string> defaultMethods(Panel panel)
{
    std::vector<std::string> out;
    for (const MethodInfo& m : methodRegistry())
        if (m.inPanel(panel))
            out.push_back(m.id);
    return out;
}

std::vector<std::string> applicableMethods(bool haveFitSet)
{
    std::vector<std::string> out;
    for (const MethodInfo& m : methodRegistry())
        if (haveFitSet || !m.has(NeedsFitSet))
            out.push_back(m.id);
    return out;
}

std::vector<std::string> comparisonMethods()
{
    std::vector<const MethodInfo*> ranked;
    for (const MethodInfo& m : methodRegistry())
        if (m.comparisonRank > 0)
            ranked.push_back(&m);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const MethodInfo* a, const MethodInfo* b) { return a->comparisonRank < b->comparisonRank; });
    std::vector<std::string> out;
    for (const MethodInfo* m : ranked)
        out.push_back(m->id);
    return out;
}

const MethodInfo* primaryGradientMethod()
{
    for (const MethodInfo& m : methodRegistry())
        if (m.group == MethodGroup::Gradient && m.factors && m.closedForm.empty())
            return &m;
    return nullptr;
}

const Factors* factorsOf(const std::string& id)
{
    const MethodInfo* m = findMethod(id);
    if (m && !m->closedForm.empty())
        m = findMethod(m->closedForm);
    return m && m->factors ? &*m->factors : nullptr;
}

void ScoreParams::set(const std::string& key, double value) { entries_[key] = value; }

void ScoreParams::parseAssignment(const std::string& text)
{
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw Error("malformed parameter '" + text + "' (expected NAME=VALUE or METHOD.NAME=VALUE)");
    const std::string key = text.substr(0, eq), valueText = text.substr(eq + 1);
    char* end = nullptr;
    const double value = std::strtod(valueText.c_str(), &end);
    if (end == valueText.c_str() || *end != '\0' || !std::isfinite(value))
        throw Error("malformed parameter '" + text + "': '" + valueText + "' is not a number");
    const auto dot = key.find('.');
    if (dot != std::string::npos) {
        const MethodInfo* m = findMethod(key.substr(0, dot));
        if (!m)
            throw Error("parameter '" + text + "' names an unknown method '" + key.substr(0, dot) + "'");
        if (!m->param(key.substr(dot + 1))) {
            std::string names;
            for (const ParamSpec& p : m->params)
                names += (names.empty() ? "" : ", ") + p.name;
            throw Error("parameter '" + text + "': method '" + m->id + "' has no parameter '" + key.substr(dot + 1) +
                        "' (" + (names.empty() ? "it has none" : "it has " + names) + ")");
        }
    }
    set(key, value);
}

double ScoreParams::value(const std::string& method, const std::string& name, double fallback) const
{
    if (auto it = entries_.find(method + "." + name); it != entries_.end())
        return it->second;
    if (auto it = entries_.find(name); it != entries_.end())
        return it->second;
    return fallback;
}

double ScoreParams::value(const std::string& method, const ParamSpec& spec) const
{
    return value(method, spec.name, spec.defaultValue);
}

ParamValues ScoreParams::resolve(const MethodInfo& method) const
{
    ParamValues out;
    for (const ParamSpec& p : method.params) {
        const double v = value(method.id, p);
        if (!p.accepts(v))
            throw Error("method '" + method.id + "': parameter " + p.name + " = " + number(v) + " is outside its range " +
                        p.rangeText() + " (" + p.help + ")");
        out.set(p.name, v);
    }
    return out;
}

void validateParams(const std::vector<std::string>& methods, const ScoreParams& params)
{
    for (const std::string& m : methods)
        params.resolve(requireMethod(m));
}

const char* const kFlipParam = "flip";
const char* const kFlippedMark = " (flipped)";

const ParamSpec& orientationParam()
{
    static const ParamSpec spec = [] {
        ParamSpec p;
        p.name = kFlipParam;
        p.defaultValue = 0;
        p.help = "1 flips the orientation: the score is negated (AUROC becomes 1 - AUROC)";
        p.min = 0;
        p.max = 1;
        p.integer = true;
        return p;
    }();
    return spec;
}

bool isFlipped(const ParamValues& values)
{
    const auto it = values.values().find(kFlipParam);
    return it != values.values().end() && it->second == 1;
}

bool isFlipped(const std::string& method, const ScoreParams& params)
{
    return findMethod(method) && params.value(method, kFlipParam, orientationParam().defaultValue) == 1;
}

void applyOrientation(const ParamValues& values, std::vector<double>& scores)
{
    if (isFlipped(values))
        for (double& s : scores)
            s = -s;
}

std::string methodLabel(const std::string& method, const ScoreParams& params)
{
    const MethodInfo* m = findMethod(method);
    if (!m)
        return method;
    std::string label = m->label;
    if (m->factors && m->factors->exponent) {
        const double a = params.value(method, kExponentParam, 1.0);
        if (a != 1.0) {
            std::ostringstream text;
            text << requireMethod(m->factors->featureTerm).label << '^' << a << " x "
                 << requireMethod(m->factors->outputTerm).label;
            label = text.str();
        }
    }
    return isFlipped(method, params) ? label + kFlippedMark : label;
}

} // namespace oodlens
