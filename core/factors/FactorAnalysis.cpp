// SPDX-License-Identifier: GPL-3.0-or-later
#include "factors/FactorAnalysis.h"
#include "factors/FactorTable.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "io/Export.h"
#include "io/Json.h"
#include "io/TextEscape.h"
#include "methods/Scores.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

namespace oodlens {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// The registered family method of (feature norm, output term): the one with those factors.
const MethodInfo* familyMethodOf(const std::string& featureTerm, const std::string& outputTerm)
{
    for (const MethodInfo& m : methodRegistry())
        if (m.group == MethodGroup::Family && m.factors && m.factors->featureTerm == featureTerm &&
            m.factors->outputTerm == outputTerm)
            return &m;
    return nullptr;
}

std::vector<const MethodInfo*> featureNorms()
{
    std::vector<const MethodInfo*> norms;
    for (const MethodInfo& m : methodRegistry())
        if (m.featureNorm > 0)
            norms.push_back(&m);
    std::stable_sort(norms.begin(), norms.end(),
                     [](const MethodInfo* a, const MethodInfo* b) { return a->featureNorm < b->featureNorm; });
    return norms;
}

std::vector<const MethodInfo*> outputTerms()
{
    std::vector<const MethodInfo*> terms;
    for (const MethodInfo& m : methodRegistry())
        if (m.outputTerm)
            terms.push_back(&m);
    return terms;
}

BinaryMetrics metricsOrUndefined(const std::vector<double>& id, const std::vector<double>& ood)
{
    try {
        return computeMetrics(id, ood);
    } catch (const Error&) {
        return BinaryMetrics::undefined();
    }
}

std::vector<double> pick(const std::vector<double>& v, const std::vector<bool>& mask, bool want)
{
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (mask[i] == want)
            out.push_back(v[i]);
    return out;
}

// The parts of one analysis: which images of which datasets validate and which test.
struct Parts {
    std::size_t validationId = 0, validationOod = 0; // dataset indices
    std::vector<bool> validationIdMask, validationOodMask; // true: used (all true for a separate pair)
    std::vector<bool> testIdMask, testOodMask;
    bool separatePair = false;
};

// Scores of family members (and gradient scores) on the run's datasets, computed once each.
class MemberScores {
public:
    MemberScores(const RunResult& result, const std::string& gradient) : result_(result), gradient_(gradient)
    {
    }

    ScoreParams paramsOf(const FamilyMember& member) const { return familyMemberParams(member, gradient_, result_.params); }

    const std::vector<double>& member(const FamilyMember& member, std::size_t dataset)
    {
        const ScoreParams p = paramsOf(member);
        const std::string key = member.method() + "|" + std::to_string(member.a) + "|" + std::to_string(dataset);
        auto it = cache_.find(key);
        if (it == cache_.end())
            it = cache_.emplace(key, computeScores(member.method(), set(dataset), result_.head, p)).first;
        return it->second;
    }

    const std::vector<double>& gradient(std::size_t dataset)
    {
        const std::vector<double>& own = result_.scoresOf(gradient_, dataset);
        if (!own.empty())
            return own;
        const std::string key = gradient_ + "|gradient|" + std::to_string(dataset);
        auto it = cache_.find(key);
        if (it == cache_.end())
            it = cache_.emplace(key, computeScores(gradient_, set(dataset), result_.head, result_.params)).first;
        return it->second;
    }

private:
    const FeatureSet& set(std::size_t dataset) const
    {
        if (dataset >= result_.features.size() || !result_.features[dataset])
            throw Error("the factor analysis needs the features of dataset " + std::to_string(dataset));
        return *result_.features[dataset];
    }

    const RunResult& result_;
    std::string gradient_;
    std::map<std::string, std::vector<double>> cache_;
};

ScoreMetrics metricsOf(const std::string& label, const std::vector<double>& valId, const std::vector<double>& valOod,
                       const std::vector<double>& testId, const std::vector<double>& testOod,
                       const std::vector<double>& allId, const std::vector<double>& allOod)
{
    ScoreMetrics m;
    m.label = label;
    m.all = metricsOrUndefined(allId, allOod);
    m.validation = metricsOrUndefined(valId, valOod);
    m.test = metricsOrUndefined(testId, testOod);
    return m;
}

// The test-part scores of one member.
struct TestScores {
    std::vector<double> id, ood;
};

TestScores testScores(MemberScores& scores, const Parts& parts, std::size_t idIndex, std::size_t oodIndex,
                      const FamilyMember* member)
{
    const std::vector<double>& id = member ? scores.member(*member, idIndex) : scores.gradient(idIndex);
    const std::vector<double>& ood = member ? scores.member(*member, oodIndex) : scores.gradient(oodIndex);
    return {pick(id, parts.testIdMask, true), pick(ood, parts.testOodMask, true)};
}

FactorComparison compare(const std::string& label, const TestScores& other, const TestScores& gradient,
                         const FactorOptions& options, const ProgressSink* cancel)
{
    FactorComparison c;
    c.label = label;
    try {
        c.delong = delongTest(other.id, other.ood, gradient.id, gradient.ood);
        c.bootstrap = pairedBootstrap(other.id, other.ood, gradient.id, gradient.ood, options.resamples, options.seed,
                                      cancel);
        c.ok = true;
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        c.note = e.what();
    }
    return c;
}

std::string pText(double p)
{
    char buf[64];
    if (std::isnan(p))
        return "p undefined (no variance)";
    if (p < 1e-4)
        return "p < 0.0001";
    std::snprintf(buf, sizeof buf, "p = %.2g", p);
    return buf;
}

// What the gradient method costs, from the run's measurements.
std::vector<CostRow> costRows(const RunResult& result, const std::string& gradient)
{
    const ScoringCosts& c = result.costs;
    const auto closed = c.closedForm.find(gradient);
    const double closedForm = closed == c.closedForm.end() ? kNaN : closed->second;
    std::vector<CostRow> rows;
    auto add = [&](const std::string& what, double seconds, std::size_t images) {
        CostRow row;
        row.what = what;
        row.secondsPerImage = seconds;
        row.ratioToClosedForm = closedForm > 0 ? seconds / closedForm : kNaN;
        row.images = images;
        rows.push_back(row);
    };
    const std::string label = requireMethod(gradient).label;
    add("Forward pass (features and logits)", c.forward, c.forwardImages);
    add("Full-network backward, batch 1 (official GradNorm code; timing probe)", c.fullBackward, c.fullBackwardImages);
    const auto autograd = c.autograd.find(gradient);
    add(label + " by autograd, last layer, per sample", autograd == c.autograd.end() ? kNaN : autograd->second,
        c.autogradImages);
    add(label + " closed form (from cached features)", closedForm, c.closedFormImages);
    return rows;
}

std::string verdictOf(const FactorAnalysis& a, const FactorOptions& options, const std::vector<CostRow>& costs)
{
    if (a.best < 0 || !a.versusBest.ok)
        return "On " + a.ood + ", no family member could be compared with " + a.gradientLabel +
               (a.versusBest.note.empty() ? std::string() : ": " + a.versusBest.note) + ".";
    const FamilyResult& best = a.family[static_cast<std::size_t>(a.best)];
    const FactorComparison& c = a.versusBest;
    std::ostringstream s;
    s << "On " << a.ood << ", " << best.member.label() << " reaches AUROC " << percentText(best.metrics.test.auroc)
      << " % against " << a.gradientLabel << "'s " << percentText(a.gradient.test.auroc) << " % (difference "
      << signedPointsText(c.bootstrap.auroc.estimate);
    const bool haveCi = options.resamples > 0;
    if (haveCi)
        s << ", 95 % CI " << signedPointsText(c.bootstrap.auroc.low) << " to " << signedPointsText(c.bootstrap.auroc.high);
    s << "; DeLong " << pText(c.delong.pValue) << ")";
    // Significant: the bootstrap interval excludes 0 (DeLong at 5 % without resamples). A difference
    // without any variance (every resample gives the same AUROCs) is stated as it is.
    const bool degenerate = c.delong.standardError == 0 && c.bootstrap.auroc.low == c.bootstrap.auroc.high;
    const bool below = haveCi ? c.bootstrap.auroc.high < 0 : (c.delong.pValue < 0.05 && c.delong.difference < 0);
    const bool above = haveCi ? c.bootstrap.auroc.low > 0 : (c.delong.pValue < 0.05 && c.delong.difference > 0);
    double autograd = kNaN, full = kNaN;
    for (const CostRow& row : costs) {
        if (row.what.find("autograd") != std::string::npos)
            autograd = row.ratioToClosedForm;
        if (row.what.find("Full-network") != std::string::npos)
            full = row.ratioToClosedForm;
    }
    s << "; ";
    if (std::isfinite(autograd)) {
        s << "computing the gradient by autograd costs " << ratioText(autograd) << " the closed form";
        if (std::isfinite(full))
            s << " (the official full-network backward " << ratioText(full) << ")";
        s << ", and ";
    }
    if (degenerate && c.delong.difference != 0)
        s << "the difference is the same in every resample (the scores separate the sets without overlap)";
    else if (below)
        s << "the gradient adds " << percentText(-c.bootstrap.auroc.estimate) << " AUROC points (interval excludes 0)";
    else if (above)
        s << best.member.label() << " exceeds the gradient by " << percentText(c.bootstrap.auroc.estimate)
          << " AUROC points (interval excludes 0)";
    else
        s << "the gradient adds no significant AUROC";
    s << ".";
    return s.str();
}

std::string autogradVariantOf(const RunResult& result, const std::string& gradient)
{
    for (const std::string& m : result.methods) {
        const MethodInfo* info = findMethod(m);
        if (info && info->closedForm == gradient && result.scores.count(m) != 0)
            return m;
    }
    return {};
}

Parts partsFor(const RunResult& result, const FactorSplit& split, std::size_t oodIndex)
{
    const std::size_t id = static_cast<std::size_t>(result.idIndex);
    const std::size_t nId = result.features[id]->rows, nOod = result.features[oodIndex]->rows;
    Parts p;
    if (split.kind == FactorSplit::Kind::Pair) {
        auto find = [&](const std::string& name, const char* what) {
            for (std::size_t i = 0; i < result.datasets.size(); ++i) {
                if (result.datasets[i].name != name)
                    continue;
                if (result.datasets[i].ok() && i < result.features.size() && result.features[i] &&
                    result.features[i]->rows > 0)
                    return i;
                throw Error(std::string("the validation ") + what + " set '" + name +
                            "' has no features in this run" +
                            (result.datasets[i].error.empty() ? std::string()
                                                              : " (" + result.datasets[i].error + ")") +
                            (result.datasets[i].role == DatasetRole::Fit
                                 ? "; a fit set is extracted when a fitted method is scored"
                                 : std::string()));
            }
            throw Error(std::string("the validation ") + what + " set '" + name + "' is not a dataset of this run");
        };
        if (split.validationId.empty() || split.validationOod.empty())
            throw Error(std::string("a validation pair needs a validation ") + (split.validationId.empty() ? "ID" : "OOD") +
                        " set (another dataset of the run than the ID test set" +
                        (split.validationId.empty() ? ", e.g. the fit set" : ": one of the OOD sets") + ")");
        p.separatePair = true;
        p.validationId = find(split.validationId, "ID");
        p.validationOod = find(split.validationOod, "OOD");
        if (p.validationId == id)
            throw Error("the validation ID set '" + split.validationId +
                        "' is the ID test set: choose another set (the fit set, say) or a seeded split");
        if (result.datasets[p.validationOod].role != DatasetRole::Ood)
            throw Error("the validation OOD set '" + split.validationOod + "' is not an OOD set of this run");
        p.validationIdMask.assign(result.features[p.validationId]->rows, true);
        p.validationOodMask.assign(result.features[p.validationOod]->rows, true);
        p.testIdMask.assign(nId, true);
        p.testOodMask.assign(nOod, true);
        return p;
    }
    if (!(split.validationFraction > 0 && split.validationFraction < 1))
        throw Error("the validation fraction must lie in (0, 1), not " + std::to_string(split.validationFraction));
    p.validationId = id;
    p.validationOod = oodIndex;
    p.validationIdMask = validationMask(nId, id, split.validationFraction, split.seed);
    p.validationOodMask = validationMask(nOod, oodIndex, split.validationFraction, split.seed);
    auto count = [](const std::vector<bool>& m, bool v) { return std::size_t(std::count(m.begin(), m.end(), v)); };
    for (const auto& [mask, name] : {std::pair{&p.validationIdMask, result.datasets[id].name},
                                     std::pair{&p.validationOodMask, result.datasets[oodIndex].name}})
        if (count(*mask, true) < 1 || count(*mask, false) < 2)
            throw Error("'" + name + "' has " + std::to_string(mask->size()) +
                        " images: too few to split into a validation part and a test part of at least two");
    p.testIdMask = p.validationIdMask;
    p.testIdMask.flip();
    p.testOodMask = p.validationOodMask;
    p.testOodMask.flip();
    return p;
}

std::vector<std::string> gradientMethodsOf(const RunResult& result, const FactorOptions& options)
{
    std::vector<std::string> out;
    auto add = [&](const std::string& id) {
        const MethodInfo& m = requireMethod(id);
        if (m.group != MethodGroup::Gradient || !m.factors)
            throw Error("'" + id + "' is not a closed-form gradient method");
        if (std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    };
    for (const std::string& id : options.gradientMethods)
        add(id);
    if (!out.empty())
        return out;
    for (const std::string& id : result.methods) {
        const MethodInfo* m = findMethod(id);
        if (!m || m->group != MethodGroup::Gradient)
            continue;
        add(m->closedForm.empty() ? m->id : m->closedForm);
    }
    if (out.empty() && primaryGradientMethod())
        out.push_back(primaryGradientMethod()->id);
    return out;
}

FamilyMember featureAlone(const std::string& norm)
{
    FamilyMember m;
    m.featureTerm = norm;
    m.q = requireMethod(norm).featureNorm;
    m.a = 1;
    return m;
}

FamilyMember outputAlone(const std::string& output)
{
    FamilyMember m;
    m.featureTerm = featureNorms().front()->id;
    m.q = featureNorms().front()->featureNorm;
    m.a = 0;
    m.outputTerm = output;
    return m;
}

} // namespace

const std::vector<double>& familyExponents()
{
    static const std::vector<double> a{0.0, 0.5, 1.0, 2.0};
    return a;
}

std::string FamilyMember::method() const
{
    if (outputTerm.empty())
        return featureTerm;
    if (a == 0)
        return outputTerm;
    const MethodInfo* m = familyMethodOf(featureTerm, outputTerm);
    if (!m)
        throw Error("no family method of " + featureTerm + " x " + outputTerm + " is registered");
    return m->id;
}

ScoreParams FamilyMember::params(const ScoreParams& base) const
{
    ScoreParams p = base;
    const std::string id = method();
    if (requireMethod(id).param(kExponentParam))
        p.set(id + "." + kExponentParam, a);
    return p;
}

ScoreParams familyMemberParams(const FamilyMember& member, const std::string& gradientMethod, const ScoreParams& base)
{
    ScoreParams p = base;
    const std::string method = member.method();
    const MethodInfo& m = requireMethod(method);
    const ParamValues gradient = base.resolve(gradientMethod);
    for (const auto& [name, value] : gradient.values())
        if (name != kFlipParam && m.param(name))
            p.set(method + "." + name, value);
    return member.params(p);
}

std::string FamilyMember::label() const { return methodLabel(method(), params(ScoreParams())); }

std::vector<FamilyMember> familyMembers()
{
    std::vector<FamilyMember> out;
    for (const MethodInfo* norm : featureNorms())
        for (double a : familyExponents())
            for (const MethodInfo* phi : outputTerms()) {
                FamilyMember m;
                m.featureTerm = norm->id;
                m.q = norm->featureNorm;
                m.a = a;
                m.outputTerm = phi->id;
                out.push_back(m);
            }
    return out;
}

FactorReport analyseFactors(const RunResult& result, const FactorOptions& options, const ProgressSink* cancel)
{
    if (result.idIndex < 0 || static_cast<std::size_t>(result.idIndex) >= result.features.size() ||
        !result.features[result.idIndex] || result.features[result.idIndex]->rows == 0)
        throw Error("the factor analysis needs the ID set's features");
    FactorReport report;
    report.options = options;
    report.gradientMethods = gradientMethodsOf(result, options);
    report.options.gradientMethods = report.gradientMethods;
    const std::size_t id = static_cast<std::size_t>(result.idIndex);
    const std::vector<FamilyMember> members = familyMembers();

    std::vector<std::size_t> oods;
    for (std::size_t o : result.oodIndices)
        if (o < result.features.size() && result.features[o] && result.features[o]->rows > 0)
            oods.push_back(o);
    if (oods.empty())
        throw Error("the factor analysis needs at least one extracted OOD set");

    for (const std::string& g : report.gradientMethods) {
        const MethodInfo& gm = requireMethod(g);
        MemberScores scores(result, g);
        report.costs.push_back(costRows(result, g));
        const std::string variant = autogradVariantOf(result, g);
        // With a separate validation pair the best member is chosen once, on that pair.
        for (std::size_t o : oods) {
            throwIfCancelled(cancel);
            FactorAnalysis a;
            a.gradientMethod = g;
            a.gradientLabel = methodLabel(g, result.params);
            a.ood = result.datasets[o].name;
            a.oodIndex = o;
            const Parts parts = partsFor(result, options.split, o);
            if (parts.separatePair && o == parts.validationOod) {
                report.warnings.push_back(a.ood + ": the validation OOD set; not reported as a test set");
                continue;
            }
            auto measure = [&](const std::string& label, const std::vector<double>& allId,
                               const std::vector<double>& allOod, const std::vector<double>& vId,
                               const std::vector<double>& vOod) {
                return metricsOf(label, pick(vId, parts.validationIdMask, true),
                                 pick(vOod, parts.validationOodMask, true), pick(allId, parts.testIdMask, true),
                                 pick(allOod, parts.testOodMask, true), allId, allOod);
            };
            auto measureMember = [&](const FamilyMember& m) {
                return measure(m.label(), scores.member(m, id), scores.member(m, o),
                               scores.member(m, parts.validationId), scores.member(m, parts.validationOod));
            };
            a.gradient = measure(a.gradientLabel, scores.gradient(id), scores.gradient(o),
                                 scores.gradient(parts.validationId), scores.gradient(parts.validationOod));
            a.featureMember = featureAlone(gm.factors->featureTerm);
            a.outputMember = outputAlone(gm.factors->outputTerm);
            a.featureTerm = measureMember(a.featureMember);
            a.outputTerm = measureMember(a.outputMember);
            double bestAuroc = -1;
            for (const FamilyMember& m : members) {
                a.family.push_back({m, measureMember(m)});
                const double v = a.family.back().metrics.validation.auroc;
                if (std::isfinite(v) && v > bestAuroc) {
                    bestAuroc = v;
                    a.best = static_cast<int>(a.family.size()) - 1;
                }
            }
            for (const MethodInfo* norm : featureNorms()) {
                const FamilyMember m = featureAlone(norm->id);
                a.family.push_back({m, measureMember(m)});
            }
            if (!variant.empty()) {
                a.haveAutograd = true;
                for (std::size_t d : {id, o}) {
                    const std::vector<double>& auto_ = result.scoresOf(variant, d);
                    const std::vector<double>& closed = scores.gradient(d);
                    for (std::size_t i = 0; i < auto_.size() && i < closed.size(); ++i)
                        a.autogradMaxRelativeDifference =
                            std::max(a.autogradMaxRelativeDifference,
                                     std::abs(auto_[i] - closed[i]) / std::max(std::abs(closed[i]), 1e-12));
                }
            }
            const TestScores grad = testScores(scores, parts, id, o, nullptr);
            if (a.best >= 0) {
                const FamilyMember& b = a.family[static_cast<std::size_t>(a.best)].member;
                a.versusBest = compare(b.label(), testScores(scores, parts, id, o, &b), grad, options, cancel);
            } else {
                a.versusBest.note = "no family member has a validation AUROC";
            }
            a.versusFeatureTerm = compare(a.featureTerm.label, testScores(scores, parts, id, o, &a.featureMember), grad,
                                          options, cancel);
            a.versusOutputTerm = compare(a.outputTerm.label, testScores(scores, parts, id, o, &a.outputMember), grad,
                                         options, cancel);
            if (parts.separatePair)
                a.note = "best member chosen on " + result.datasets[parts.validationId].name + " vs " +
                         result.datasets[parts.validationOod].name + "; tested on the whole sets";
            else
                a.note = "best member chosen on a seeded validation part (" +
                         std::to_string(int(std::lround(100 * options.split.validationFraction))) + " % of each set, seed " +
                         std::to_string(options.split.seed) + "); tested on the rest";
            a.verdict = verdictOf(a, options, report.costs.back());
            report.analyses.push_back(std::move(a));
        }
    }
    if (report.analyses.empty())
        throw Error("no OOD set is left to test: the only OOD set is the validation set '" +
                    options.split.validationOod + "'; add another OOD set or use a seeded split");
    return report;
}

FactorComparison compareMembers(const RunResult& result, const FactorReport& report, const FactorAnalysis& analysis,
                                const FamilyMember& a, const FamilyMember& b)
{
    MemberScores scores(result, analysis.gradientMethod);
    const Parts parts = partsFor(result, report.options.split, analysis.oodIndex);
    const std::size_t id = static_cast<std::size_t>(result.idIndex);
    FactorComparison c = compare(a.label(), testScores(scores, parts, id, analysis.oodIndex, &a),
                                 testScores(scores, parts, id, analysis.oodIndex, &b), report.options, nullptr);
    c.label = a.label() + " vs " + b.label();
    return c;
}

std::string factorsCsv(const FactorReport& report)
{
    std::ostringstream out;
    out << "gradient_method,ood,q,a,phi,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out\n";
    for (const FactorAnalysis& a : report.analyses)
        for (const FamilyResult& f : a.family) {
            const BinaryMetrics& m = f.metrics.all;
            out << csvField(a.gradientMethod) << ',' << csvField(a.ood) << ','
                << (std::isinf(f.member.q) ? std::string("inf") : exactNumber(f.member.q)) << ','
                << exactNumber(f.member.a) << ',' << csvField(f.member.outputTerm);
            for (double v : {m.auroc, m.fpr95_id, m.fpr95_ood, m.aupr_in, m.aupr_out})
                out << ',' << exactNumber(v);
            out << '\n';
        }
    return out.str();
}

namespace {

Json num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json scoreJson(const ScoreMetrics& m)
{
    Json o = Json::object();
    o.set("label", m.label);
    o.set("all", binaryMetricsJson(m.all));
    o.set("validation", binaryMetricsJson(m.validation));
    o.set("test", binaryMetricsJson(m.test));
    return o;
}

Json memberJson(const FamilyMember& m)
{
    Json o = Json::object();
    o.set("q", std::isinf(m.q) ? Json("inf") : Json(m.q));
    o.set("a", m.a);
    o.set("phi", m.outputTerm);
    o.set("label", m.label());
    o.set("method", m.method());
    return o;
}

Json intervalJson(double estimate, double low, double high)
{
    Json o = Json::object();
    o.set("estimate", num(estimate));
    o.set("low", num(low));
    o.set("high", num(high));
    return o;
}

Json comparisonJson(const FactorComparison& c)
{
    Json o = Json::object();
    o.set("label", c.label);
    o.set("ok", c.ok);
    o.set("note", c.note);
    Json d = Json::object();
    d.set("auroc_other", num(c.delong.aurocA));
    d.set("auroc_gradient", num(c.delong.aurocB));
    d.set("difference", num(c.delong.difference));
    d.set("standard_error", num(c.delong.standardError));
    d.set("z", num(c.delong.z));
    d.set("p", num(c.delong.pValue));
    o.set("delong", d);
    Json b = Json::object();
    b.set("resamples", c.bootstrap.resamples);
    b.set("seed", Json(static_cast<unsigned long long>(c.bootstrap.seed)));
    b.set("auroc_difference", intervalJson(c.bootstrap.auroc.estimate, c.bootstrap.auroc.low, c.bootstrap.auroc.high));
    b.set("fpr95_id_difference",
          intervalJson(c.bootstrap.fpr95_id.estimate, c.bootstrap.fpr95_id.low, c.bootstrap.fpr95_id.high));
    b.set("auroc_other", intervalJson(c.delong.aurocA, c.bootstrap.aurocOfA.lo, c.bootstrap.aurocOfA.hi));
    b.set("auroc_gradient", intervalJson(c.delong.aurocB, c.bootstrap.aurocOfB.lo, c.bootstrap.aurocOfB.hi));
    o.set("bootstrap", b);
    return o;
}

} // namespace

std::string factorsJson(const FactorReport& report)
{
    Json root = Json::object();
    Json opt = Json::object();
    const FactorSplit& s = report.options.split;
    opt.set("split", s.kind == FactorSplit::Kind::Pair ? "pair" : "seeded");
    opt.set("validation_fraction", s.validationFraction);
    opt.set("split_seed", Json(static_cast<unsigned long long>(s.seed)));
    opt.set("validation_id", s.validationId);
    opt.set("validation_ood", s.validationOod);
    opt.set("resamples", report.options.resamples);
    opt.set("seed", Json(static_cast<unsigned long long>(report.options.seed)));
    root.set("options", opt);
    Json analyses = Json::array();
    for (const FactorAnalysis& a : report.analyses) {
        Json o = Json::object();
        o.set("gradient_method", a.gradientMethod);
        o.set("gradient_label", a.gradientLabel);
        o.set("ood", a.ood);
        o.set("note", a.note);
        o.set("verdict", a.verdict);
        o.set("autograd_max_relative_difference", a.haveAutograd ? num(a.autogradMaxRelativeDifference) : Json(nullptr));
        o.set("gradient", scoreJson(a.gradient));
        o.set("feature_term", scoreJson(a.featureTerm));
        o.set("output_term", scoreJson(a.outputTerm));
        if (a.best >= 0) {
            const FamilyResult& b = a.family[static_cast<std::size_t>(a.best)];
            Json best = memberJson(b.member);
            best.set("metrics", scoreJson(b.metrics));
            o.set("best", best);
        } else {
            o.set("best", nullptr);
        }
        Json cmp = Json::object();
        cmp.set("best", comparisonJson(a.versusBest));
        cmp.set("feature_term", comparisonJson(a.versusFeatureTerm));
        cmp.set("output_term", comparisonJson(a.versusOutputTerm));
        o.set("comparisons", cmp);
        analyses.push(o);
    }
    root.set("analyses", analyses);
    Json costs = Json::object();
    for (std::size_t g = 0; g < report.gradientMethods.size() && g < report.costs.size(); ++g) {
        Json rows = Json::array();
        for (const CostRow& r : report.costs[g]) {
            Json row = Json::object();
            row.set("what", r.what);
            row.set("seconds_per_image", num(r.secondsPerImage));
            row.set("ratio_to_closed_form", num(r.ratioToClosedForm));
            row.set("images", Json(static_cast<unsigned long long>(r.images)));
            rows.push(row);
        }
        costs.set(report.gradientMethods[g], rows);
    }
    root.set("costs", costs);
    Json warnings = Json::array();
    for (const std::string& w : report.warnings)
        warnings.push(w);
    root.set("warnings", warnings);
    return root.dump(2) + "\n";
}

void writeFactorsCsv(const std::string& file, const FactorReport& report) { writeFileAtomic(file, factorsCsv(report)); }

} // namespace oodlens
