// SPDX-License-Identifier: GPL-3.0-or-later
#include "Scores.h"

#include "Autograd.h"
#include "Error.h"
#include "Progress.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace oodlens {
namespace {

const ParamSpec kTemperature{"T", 1.0, "softmax temperature"};

// The output-space terms of the family, each a function of the logits of one row.
enum class Output { Msp, MaxLogit, Energy, GradTerm, Gini };
struct OutputTerm {
    const char* id;
    const char* label;
    Output kind;
    bool usesTemperature;
    const char* formula;
};
const OutputTerm kOutputs[] = {
    {"msp", "MSP", Output::Msp, false, "max_c softmax(z)_c"},
    {"maxlogit", "MaxLogit", Output::MaxLogit, false, "max_c z_c"},
    {"energy", "Energy", Output::Energy, true, "T logsumexp(z/T)"},
    {"gradterm", "GradNorm output term", Output::GradTerm, true, "||softmax(z/T) - 1/C||_1"},
    {"gini", "Gini", Output::Gini, true, "1 - sum_c softmax(z/T)_c^2"},
};

std::vector<MethodInfo> buildRegistry()
{
    std::vector<MethodInfo> r;
    const std::vector<ParamSpec> t{kTemperature};
    r.push_back({"gradnorm", "GradNorm", MethodGroup::Gradient, t, "(1/T) ||h||_1 ||softmax(z/T) - 1/C||_1 (closed form)"});
    r.push_back({"gradnorm_autograd", "GradNorm (autograd)", MethodGroup::Gradient, t,
                 "|| dKL(u || softmax(z/T)) / dW ||_1 by autograd, per sample", true});
    r.push_back({"exgrad", "ExGrad", MethodGroup::Gradient, t, "(2/T) ||h||_1 (1 - sum_c p_c^2) (closed form)"});
    r.push_back({"exgrad_autograd", "ExGrad (autograd)", MethodGroup::Gradient, t,
                 "sum_y p_y || d(-log p_y) / dW ||_1 by autograd, per sample", true});
    for (const OutputTerm& o : kOutputs)
        r.push_back({o.id, o.label, MethodGroup::NonGradient, o.usesTemperature ? t : std::vector<ParamSpec>{}, o.formula});
    r.push_back({"feature_l1", "||h||_1", MethodGroup::NonGradient, {}, "L1 norm of the penultimate features"});
    r.push_back({"feature_l2", "||h||_2", MethodGroup::NonGradient, {}, "L2 norm of the penultimate features"});
    for (const char* f : {"l1", "l2"})
        for (const OutputTerm& o : kOutputs)
            r.push_back({std::string(f) + "_x_" + o.id, std::string("||h||_") + (f[1]) + " x " + o.label, MethodGroup::NonGradient,
                         o.usesTemperature ? t : std::vector<ParamSpec>{}, std::string("||h||_") + f[1] + " * " + o.formula});
    return r;
}

double featureNorm(const float* h, int dim, bool l1)
{
    double s = 0;
    for (int i = 0; i < dim; ++i)
        s += l1 ? std::fabs(double(h[i])) : double(h[i]) * h[i];
    return l1 ? s : std::sqrt(s);
}

// Stable softmax of z/T into p; returns max_c z_c / T and logsumexp(z/T).
void softmax(const float* z, int classes, double temperature, std::vector<double>& p, double& maxScaled, double& lse)
{
    p.resize(classes);
    maxScaled = -INFINITY;
    for (int c = 0; c < classes; ++c)
        maxScaled = std::max(maxScaled, double(z[c]) / temperature);
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
        p[c] = std::exp(double(z[c]) / temperature - maxScaled);
        sum += p[c];
    }
    for (double& v : p)
        v /= sum;
    lse = maxScaled + std::log(sum);
}

double outputTerm(Output kind, const float* z, int classes, double temperature, std::vector<double>& p)
{
    double maxScaled, lse;
    switch (kind) {
    case Output::MaxLogit:
        return *std::max_element(z, z + classes);
    case Output::Msp:
        softmax(z, classes, 1.0, p, maxScaled, lse);
        return *std::max_element(p.begin(), p.end());
    case Output::Energy:
        softmax(z, classes, temperature, p, maxScaled, lse);
        return temperature * lse;
    case Output::GradTerm: {
        softmax(z, classes, temperature, p, maxScaled, lse);
        double s = 0;
        for (double v : p)
            s += std::fabs(v - 1.0 / classes);
        return s;
    }
    case Output::Gini: {
        softmax(z, classes, temperature, p, maxScaled, lse);
        double s = 0;
        for (double v : p)
            s += v * v;
        return 1.0 - s;
    }
    }
    return NAN;
}

const OutputTerm* findOutput(const std::string& id)
{
    for (const OutputTerm& o : kOutputs)
        if (id == o.id)
            return &o;
    return nullptr;
}

// Parses a closed-form method into (feature norm, output term, constant factor), where the
// feature part is 0 = none, 1 = L1, 2 = L2. Returns false for other ids.
bool parseProduct(const std::string& method, int& feature, const OutputTerm*& output, double& factor, double temperature)
{
    factor = 1.0;
    output = nullptr;
    feature = 0;
    if (method == "gradnorm") {
        feature = 1;
        output = findOutput("gradterm");
        factor = 1.0 / temperature;
        return true;
    }
    if (method == "exgrad") {
        feature = 1;
        output = findOutput("gini");
        factor = 2.0 / temperature;
        return true;
    }
    if (method == "feature_l1" || method == "feature_l2") {
        feature = method == "feature_l1" ? 1 : 2;
        return true;
    }
    if (const OutputTerm* o = findOutput(method)) {
        output = o;
        return true;
    }
    if (method.size() > 5 && (method.compare(0, 5, "l1_x_") == 0 || method.compare(0, 5, "l2_x_") == 0)) {
        feature = method[1] == '1' ? 1 : 2;
        output = findOutput(method.substr(5));
        return output != nullptr;
    }
    return false;
}

} // namespace

const char* methodGroupName(MethodGroup group)
{
    switch (group) {
    case MethodGroup::Gradient:
        return "gradient-based";
    case MethodGroup::NonGradient:
        return "non-gradient";
    case MethodGroup::Fitted:
        return "fitted";
    }
    return "";
}

const std::vector<MethodInfo>& methodRegistry()
{
    static const std::vector<MethodInfo> registry = buildRegistry();
    return registry;
}

const MethodInfo* findMethod(const std::string& id)
{
    for (const MethodInfo& m : methodRegistry())
        if (m.id == id)
            return &m;
    return nullptr;
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
        if (!findMethod(id))
            throw Error("unknown method '" + id + "' (see `oodlens-cli methods`)");
        if (std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    }
    if (out.empty())
        throw Error("no method given in '" + list + "'");
    return out;
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
    if (dot != std::string::npos && !findMethod(key.substr(0, dot)))
        throw Error("parameter '" + text + "' names an unknown method '" + key.substr(0, dot) + "'");
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

std::vector<double> computeScores(const std::string& method, const FeatureSet& set, const Head& head,
                                  const ScoreParams& params, ProgressSink* sink)
{
    const MethodInfo* info = findMethod(method);
    if (!info)
        throw Error("unknown method '" + method + "'");
    const double temperature = params.value(method, "T", 1.0);
    if (!(temperature > 0))
        throw Error("method '" + method + "': temperature T must be positive");
    if (method == "gradnorm_autograd")
        return gradnormAutograd(set, head, temperature, sink);
    if (method == "exgrad_autograd")
        return exgradAutograd(set, head, temperature, sink);

    int feature = 0;
    const OutputTerm* output = nullptr;
    double factor = 1;
    if (!parseProduct(method, feature, output, factor, temperature))
        throw Error("method '" + method + "' has no implementation");
    std::vector<double> out(set.rows);
    std::vector<double> p;
    for (std::size_t r = 0; r < set.rows; ++r) {
        double v = factor;
        if (feature)
            v *= featureNorm(set.featureRow(r), set.dim, feature == 1);
        if (output)
            v *= outputTerm(output->kind, set.logitRow(r), set.classes, temperature, p);
        out[r] = v;
    }
    return out;
}

Decomposition decompose(const std::string& method, const FeatureSet& set, const Head& head, const ScoreParams& params,
                        std::size_t row)
{
    std::string base = method;
    if (base == "gradnorm_autograd" || base == "exgrad_autograd")
        base = base.substr(0, base.find('_'));
    const double temperature = params.value(base, "T", 1.0);
    int feature = 0;
    const OutputTerm* output = nullptr;
    double factor = 1;
    if (!parseProduct(base, feature, output, factor, temperature) || !feature || !output)
        throw Error("method '" + method + "' is not a feature-norm x output-term product");
    std::vector<double> p;
    Decomposition d;
    d.featureTerm = featureNorm(set.featureRow(row), set.dim, feature == 1);
    d.outputTerm = factor * outputTerm(output->kind, set.logitRow(row), set.classes, temperature, p);
    return d;
}

} // namespace oodlens
