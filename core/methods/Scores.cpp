// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/Scores.h"

#include "methods/internal/Autograd.h"
#include "common/Error.h"
#include "methods/Fitted.h"
#include "common/Progress.h"

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
    r.push_back({"mahalanobis", "Mahalanobis", MethodGroup::Fitted, {},
                 "max_c -(h - mu_c)^T S^-1 (h - mu_c), tied covariance from the fit set", false, true});
    r.push_back({"knn", "KNN", MethodGroup::Fitted, {{"k", 50, "neighbour rank"}},
                 "-(distance of h/||h|| to its k-th neighbour in the normalised fit bank)", false, true});
    r.push_back({"react", "ReAct", MethodGroup::Fitted, {{"p", 90, "clip percentile of fit activations"}},
                 "energy of W min(h, c) + b, c = p-th percentile of fit activations", false, true});
    r.push_back({"ash", "ASH-S", MethodGroup::Fitted, {{"p", 90, "pruning percentile"}},
                 "energy after keeping the top (100-p)% of h, rescaled by exp(s1/s2)", false, false});
    r.push_back({"vim", "ViM", MethodGroup::Fitted, {{"k", 0, "principal dimensions (0: D/2, or 1000 when D >= 1500)"}},
                 "energy - alpha ||(h - o) outside the top-k principal subspace||", false, true});
    r.push_back({"odin", "ODIN", MethodGroup::Fitted,
                 {{"T", 1000, "softmax temperature"}, {"eps", 0.0014, "input perturbation (pixel units)"}},
                 "max softmax(z(x')/T), x' = x - eps sign(-grad_x log max softmax(z/T)) / std", false, false, true});
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
        return "baseline";
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

namespace {

// Per-row quantities shared by many methods, computed once per call: feature norms, and for each
// temperature the softmax statistics. Every closed-form score is then a product of two of them.
class SharedTerms {
public:
    SharedTerms(const FeatureSet& set) : set_(set) {}

    const std::vector<double>& featureNorm(int which)
    {
        std::vector<double>& v = which == 1 ? l1_ : l2_;
        if (v.empty() && set_.rows) {
            v.resize(set_.rows);
            for (std::size_t r = 0; r < set_.rows; ++r)
                v[r] = oodlens::featureNorm(set_.featureRow(r), set_.dim, which == 1);
        }
        return v;
    }

    const std::vector<double>& output(Output kind, double temperature)
    {
        if (kind == Output::MaxLogit) {
            if (maxLogit_.empty() && set_.rows) {
                maxLogit_.resize(set_.rows);
                for (std::size_t r = 0; r < set_.rows; ++r) {
                    const float* z = set_.logitRow(r);
                    maxLogit_[r] = *std::max_element(z, z + set_.classes);
                }
            }
            return maxLogit_;
        }
        if (kind == Output::Msp)
            temperature = 1.0; // MSP is defined on the plain softmax
        Stats& st = stats_[temperature];
        if (st.msp.empty() && set_.rows) {
            st.msp.resize(set_.rows);
            st.energy.resize(set_.rows);
            st.gradterm.resize(set_.rows);
            st.gini.resize(set_.rows);
            std::vector<double> p;
            const double uniform = 1.0 / set_.classes;
            for (std::size_t r = 0; r < set_.rows; ++r) {
                double maxScaled, lse;
                softmax(set_.logitRow(r), set_.classes, temperature, p, maxScaled, lse);
                double pmax = 0, l1 = 0, sq = 0;
                for (double v : p) {
                    pmax = std::max(pmax, v);
                    l1 += std::fabs(v - uniform);
                    sq += v * v;
                }
                st.msp[r] = pmax;
                st.energy[r] = temperature * lse;
                st.gradterm[r] = l1;
                st.gini[r] = 1.0 - sq;
            }
        }
        switch (kind) {
        case Output::Msp: return st.msp;
        case Output::Energy: return st.energy;
        case Output::GradTerm: return st.gradterm;
        default: return st.gini;
        }
    }

private:
    struct Stats {
        std::vector<double> msp, energy, gradterm, gini;
    };
    const FeatureSet& set_;
    std::vector<double> l1_, l2_, maxLogit_;
    std::map<double, Stats> stats_;
};

} // namespace

std::map<std::string, std::vector<double>> computeScoreSet(const std::vector<std::string>& methods, const FeatureSet& set,
                                                          const Head& head, const ScoreParams& params, ProgressSink* sink)
{
    std::map<std::string, std::vector<double>> out;
    SharedTerms shared(set);
    for (const std::string& method : methods) {
        throwIfCancelled(sink);
        if (!findMethod(method))
            throw Error("unknown method '" + method + "'");
        const double temperature = params.value(method, "T", 1.0);
        if (!(temperature > 0))
            throw Error("method '" + method + "': temperature T must be positive");
        if (method == "gradnorm_autograd") {
            out[method] = gradnormAutograd(set, head, temperature, sink);
            continue;
        }
        if (method == "exgrad_autograd") {
            out[method] = exgradAutograd(set, head, temperature, sink);
            continue;
        }
        if (method == "odin")
            throw Error("odin needs the images (an input gradient through the model), not only features: "
                        "score it through an analysis run");
        if (isFittedMethod(method)) {
            if (needsFitSet(method))
                throw Error(method + " needs a fit set (an ID training set: --fit DATASET)");
            out[method] = fitScorer(method, nullptr, head, params, sink)->score(set, sink);
            continue;
        }
        int feature = 0;
        const OutputTerm* output = nullptr;
        double factor = 1;
        if (!parseProduct(method, feature, output, factor, temperature))
            throw Error("method '" + method + "' has no implementation");
        std::vector<double> v(set.rows, factor);
        if (feature) {
            const std::vector<double>& f = shared.featureNorm(feature);
            for (std::size_t r = 0; r < set.rows; ++r)
                v[r] *= f[r];
        }
        if (output) {
            const std::vector<double>& o = shared.output(output->kind, temperature);
            for (std::size_t r = 0; r < set.rows; ++r)
                v[r] *= o[r];
        }
        out[method] = std::move(v);
    }
    return out;
}

std::vector<double> computeScores(const std::string& method, const FeatureSet& set, const Head& head,
                                  const ScoreParams& params, ProgressSink* sink)
{
    return std::move(computeScoreSet({method}, set, head, params, sink)[method]);
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
