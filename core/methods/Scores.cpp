// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/Scores.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <cmath>
#include <limits>

namespace oodlens {
namespace {

double featureNorm(const float* h, int dim, double q)
{
    double s = 0;
    if (std::isinf(q)) {
        for (int i = 0; i < dim; ++i) {
            if (std::isnan(h[i]))
                return std::numeric_limits<double>::quiet_NaN(); // std::max would skip it
            s = std::max(s, std::fabs(double(h[i])));
        }
        return s;
    }
    for (int i = 0; i < dim; ++i)
        s += q == 1 ? std::fabs(double(h[i])) : std::pow(std::fabs(double(h[i])), q);
    return q == 1 ? s : std::pow(s, 1.0 / q);
}

// An output term of one row of logits. A row with a NaN or infinite logit has no defined output
// term: softmax is undefined (inf - inf) and a maximum would skip NaN (std::max), so its term is
// NaN for every output term alike, and metrics leave the image out (they count it).
double outputTermOf(const MethodInfo& term, const float* logits, int classes, const ParamValues& p,
                    std::vector<double>& scratch)
{
    for (int c = 0; c < classes; ++c)
        if (!std::isfinite(logits[c]))
            return std::numeric_limits<double>::quiet_NaN();
    return term.outputTerm(logits, classes, p, scratch);
}

// Factors computed once per call and shared by every product that uses them: a feature norm per
// order q, an output term per (term, parameter values).
class SharedTerms {
public:
    explicit SharedTerms(const FeatureSet& set) : set_(set) {}

    const std::vector<double>& featureTerm(const MethodInfo& term)
    {
        std::vector<double>& v = norms_[term.featureNorm];
        if (v.size() != set_.rows) {
            v.resize(set_.rows);
            for (std::size_t r = 0; r < set_.rows; ++r)
                v[r] = featureNorm(set_.featureRow(r), set_.dim, term.featureNorm);
        }
        return v;
    }

    const std::vector<double>& outputTerm(const MethodInfo& term, const ParamValues& p)
    {
        // The orientation is applied to whole scores, not to shared factors.
        std::vector<double>& v = outputs_[term.id + "|" + p.without(kFlipParam).key()];
        if (v.size() != set_.rows) {
            v.resize(set_.rows);
            std::vector<double> scratch;
            for (std::size_t r = 0; r < set_.rows; ++r)
                v[r] = outputTermOf(term, set_.logitRow(r), set_.classes, p, scratch);
        }
        return v;
    }

private:
    const FeatureSet& set_;
    std::map<double, std::vector<double>> norms_;
    std::map<std::string, std::vector<double>> outputs_;
};

// Output-term parameters of a product are the product's own (gradnorm.T drives its gradterm).
ParamValues outputParams(const MethodInfo& term, const ParamValues& product)
{
    ParamValues p;
    for (const ParamSpec& s : term.params)
        if (s.name != kFlipParam) // the product's orientation is not its factor's
            p.set(s.name, product.get(s.name));
    return p;
}

// A fitted method's scorer with flip = 1: the inner scorer's scores, negated.
class FlippedScorer final : public FittedScorer {
public:
    explicit FlippedScorer(std::unique_ptr<FittedScorer> inner) : inner_(std::move(inner)) { note_ = inner_->note(); }
    std::vector<double> score(const FeatureSet& set, ProgressSink* sink) const override
    {
        std::vector<double> s = inner_->score(set, sink);
        for (double& v : s)
            v = -v;
        return s;
    }

private:
    std::unique_ptr<FittedScorer> inner_;
};

} // namespace

std::map<std::string, std::vector<double>> computeScoreSet(const std::vector<std::string>& methods, const FeatureSet& set,
                                                          const Head& head, const ScoreParams& params, ProgressSink* sink)
{
    std::map<std::string, std::vector<double>> out;
    SharedTerms shared(set);
    for (const std::string& id : methods) {
        throwIfCancelled(sink);
        const MethodInfo& m = requireMethod(id);
        const ParamValues p = params.resolve(m);
        if (m.has(NeedsImages))
            throw Error(id + " needs the images (it runs the model again), not only features: score it through a run");
        if (m.has(NeedsFitSet))
            throw Error(id + " needs a fit set (an ID training set: --fit DATASET)");
        if (m.fit) {
            out[id] = m.fit(nullptr, head, p, sink)->score(set, sink); // oriented below
        } else if (m.score) {
            out[id] = m.score(set, head, p, sink);
        } else if (m.featureNorm > 0) {
            out[id] = shared.featureTerm(m);
        } else if (m.outputTerm) {
            out[id] = shared.outputTerm(m, p);
        } else {
            const MethodInfo& f = requireMethod(m.factors->featureTerm);
            const MethodInfo& o = requireMethod(m.factors->outputTerm);
            const double scale = m.factors->scale ? m.factors->scale(p) : 1.0;
            const double exponent = m.factors->exponent ? m.factors->exponent(p) : 1.0;
            const std::vector<double>& a = shared.featureTerm(f);
            const std::vector<double>& b = shared.outputTerm(o, outputParams(o, p));
            std::vector<double> v(set.rows);
            for (std::size_t r = 0; r < set.rows; ++r)
                v[r] = scale * (exponent == 1.0 ? a[r] : std::pow(a[r], exponent)) * b[r];
            out[id] = std::move(v);
        }
        applyOrientation(p, out[id]);
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
    const Factors* factors = factorsOf(method);
    if (!factors)
        throw Error("method '" + method + "' is not a feature-norm x output-term product");
    if (row >= set.rows)
        throw Error("decompose: row " + std::to_string(row) + " is outside the feature set");
    const MethodInfo& m = requireMethod(method);
    const MethodInfo& product = m.closedForm.empty() ? m : requireMethod(m.closedForm);
    // An autograd variant's parameters are read under its own id, as its scores are.
    ParamValues p;
    for (const ParamSpec& s : product.params)
        p.set(s.name, params.value(m.id, s));
    const MethodInfo& f = requireMethod(factors->featureTerm);
    const MethodInfo& o = requireMethod(factors->outputTerm);
    std::vector<double> scratch;
    Decomposition d;
    d.featureTerm = featureNorm(set.featureRow(row), set.dim, f.featureNorm);
    if (factors->exponent && factors->exponent(p) != 1.0)
        d.featureTerm = std::pow(d.featureTerm, factors->exponent(p));
    d.outputTerm = (factors->scale ? factors->scale(p) : 1.0) *
                   outputTermOf(o, set.logitRow(row), set.classes, outputParams(o, p), scratch);
    d.sign = isFlipped(p) ? -1.0 : 1.0;
    return d;
}

std::string fitWarning(const MethodInfo& method, std::size_t fitRows, int featureDim, const std::string& note)
{
    if (!method.has(NeedsCovariance) || featureDim <= 0 || fitRows >= static_cast<std::size_t>(featureDim))
        return {};
    const std::string d = std::to_string(featureDim);
    return method.label + ": the fit set has " + std::to_string(fitRows) + " images, fewer than the " + d +
           " feature dimensions: its covariance is singular and the fitted statistics are unreliable" +
           (note.empty() ? std::string() : " (the fit found: " + note + ")") + "; use a fit set of at least " + d +
           " images";
}

std::unique_ptr<FittedScorer> fitScorer(const std::string& method, const FeatureSet* fit, const Head& head,
                                        const ScoreParams& params, ProgressSink* sink)
{
    const MethodInfo& m = requireMethod(method);
    if (!m.fit)
        throw Error("'" + method + "' is not a fitted method");
    const ParamValues p = params.resolve(m);
    if (m.has(NeedsFitSet)) {
        if (!fit)
            throw Error(method + " needs a fit set (an ID training set: --fit DATASET)");
        if (fit->rows == 0)
            throw Error(method + ": the fit set is empty");
        if (fit->dim != head.dim)
            throw Error(method + ": the fit set has feature dimension " + std::to_string(fit->dim) +
                        " but the model's head expects " + std::to_string(head.dim));
    }
    std::unique_ptr<FittedScorer> scorer = m.fit(m.has(NeedsFitSet) ? fit : nullptr, head, p, sink);
    if (isFlipped(p))
        return std::make_unique<FlippedScorer>(std::move(scorer));
    return scorer;
}

} // namespace oodlens
