// SPDX-License-Identifier: GPL-3.0-or-later
// The factor analysis ("Are gradients needed?") on the demo run, against brute force: AUROC by
// counting pairs, the best member by an independent search over the validation parts, the family's
// GradNorm cell against the run's own GradNorm metrics. tests/python/test_factors.py checks the
// report's numbers against scikit-learn, numpy and DeLong's formula.
#include "common/Error.h"
#include "common/Progress.h"
#include "common/Runtime.h"
#include "factors/FactorAnalysis.h"
#include "methods/Scores.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <iostream>
#include <sstream>

using namespace oodlens;

namespace {

// P(id > ood) + 1/2 P(tie), by counting every pair; NaN scores left out.
double bruteAuroc(const std::vector<double>& id, const std::vector<double>& ood)
{
    double wins = 0, n = 0;
    for (double a : id)
        for (double b : ood) {
            if (std::isnan(a) || std::isnan(b))
                continue;
            wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
            n += 1;
        }
    return wins / n;
}

std::vector<double> part(const std::vector<double>& v, const std::vector<bool>& mask, bool want)
{
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (mask[i] == want)
            out.push_back(v[i]);
    return out;
}

class CancelAtOnce : public ProgressSink {
public:
    bool isCancelRequested() const override { return true; }
};

} // namespace

class FactorAnalysisTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        initRuntime(0);
        RunConfig c = demoConfig();
        c.methods = {"gradnorm", "gradnorm_autograd", "msp"};
        demo = runOnce(c);
    }
    static void TearDownTestSuite() { demo.reset(); }
    static RunResultPtr demo;

    static const FactorAnalysis& gradnormOn(const FactorReport& r, const std::string& ood)
    {
        for (const FactorAnalysis& a : r.analyses)
            if (a.gradientMethod == "gradnorm" && a.ood == ood)
                return a;
        throw Error("no analysis of gradnorm on " + ood);
    }
    static const FamilyResult& cell(const FactorAnalysis& a, double q, double exponent, const std::string& phi)
    {
        for (const FamilyResult& f : a.family)
            if (f.member.q == q && f.member.a == exponent && f.member.outputTerm == phi)
                return f;
        throw Error("no family cell");
    }
};

RunResultPtr FactorAnalysisTest::demo;

TEST_F(FactorAnalysisTest, familyIsEveryNormExponentAndOutputTermOfTheRegistry)
{
    const std::vector<FamilyMember> members = familyMembers();
    std::size_t norms = 0, outputs = 0;
    for (const MethodInfo& m : methodRegistry()) {
        norms += m.featureNorm > 0;
        outputs += bool(m.outputTerm);
    }
    ASSERT_EQ(norms, 3u);   // q = 1, 2, inf
    ASSERT_EQ(outputs, 6u); // msp, maxlogit, energy, gradterm, gini, gen
    EXPECT_EQ(members.size(), norms * familyExponents().size() * outputs);
    std::set<std::string> labels;
    for (const FamilyMember& m : members)
        if (m.a != 0) // a = 0 is the output term alone, whatever q
            labels.insert(m.label());
    EXPECT_EQ(labels.size(), norms * (familyExponents().size() - 1) * outputs);
    FamilyMember half{"feature_l2", 2, 0.5, "energy"};
    EXPECT_EQ(half.method(), "l2_x_energy");
    EXPECT_EQ(half.label(), "||h||_2^0.5 x Energy");
    FamilyMember zero{"feature_l2", 2, 0, "energy"};
    EXPECT_EQ(zero.method(), "energy");
}

// The family's cell (q = 1, a = 1, phi = GradNorm's output term) is GradNorm: its metrics are the run's.
TEST_F(FactorAnalysisTest, gradnormCellEqualsGradnormExactly)
{
    const FactorReport r = analyseFactors(*demo, FactorOptions());
    const FactorAnalysis& a = gradnormOn(r, "fashion-mnist");
    const MetricsRow* row = demo->metricsOf("gradnorm", "fashion-mnist");
    ASSERT_NE(row, nullptr);
    const BinaryMetrics& m = cell(a, 1, 1, "gradterm").metrics.all;
    EXPECT_EQ(m.auroc, row->metrics.auroc);
    EXPECT_EQ(m.fpr95_id, row->metrics.fpr95_id);
    EXPECT_EQ(m.fpr95_ood, row->metrics.fpr95_ood);
    EXPECT_EQ(m.aupr_in, row->metrics.aupr_in);
    EXPECT_EQ(m.aupr_out, row->metrics.aupr_out);
    EXPECT_EQ(a.gradient.all.auroc, row->metrics.auroc);
    // The autograd variant agrees with the closed form.
    ASSERT_TRUE(a.haveAutograd);
    EXPECT_LT(a.autogradMaxRelativeDifference, 1e-4);
    // Its factors: the feature term ||h||_1 and the output term at GradNorm's T.
    EXPECT_EQ(a.featureTerm.all.auroc, cell(a, 1, 1, "").metrics.all.auroc);
    EXPECT_EQ(a.outputTerm.all.auroc, cell(a, 1, 0, "gradterm").metrics.all.auroc);
    const std::size_t id = demo->idIndex, ood = demo->oodIndices[0];
    ScoreParams p;
    EXPECT_DOUBLE_EQ(a.featureTerm.all.auroc,
                     bruteAuroc(computeScores("feature_l1", *demo->features[id], demo->head, p),
                                computeScores("feature_l1", *demo->features[ood], demo->head, p)));
}

// T drives the gradient score and every member that has a T (Energy, the output term), as the view's
// "live on T" needs: the same analysis at T = 2 matches scores computed at T = 2 by hand.
TEST_F(FactorAnalysisTest, membersAreEvaluatedAtTheGradientsTemperature)
{
    RunResult r = *demo;
    r.params.set("gradnorm.T", 2.0);
    r.scores.erase("gradnorm"); // scored afresh at T = 2 from the features
    const FactorReport rep = analyseFactors(r, FactorOptions());
    const FactorAnalysis& a = gradnormOn(rep, "fashion-mnist");
    ScoreParams t2;
    t2.set("T", 2.0);
    const std::size_t id = demo->idIndex, ood = demo->oodIndices[0];
    const double energy = bruteAuroc(computeScores("l2_x_energy", *demo->features[id], demo->head, t2),
                                     computeScores("l2_x_energy", *demo->features[ood], demo->head, t2));
    EXPECT_NEAR(cell(a, 2, 1, "energy").metrics.all.auroc, energy, 1e-12);
    const double grad = bruteAuroc(computeScores("gradnorm", *demo->features[id], demo->head, t2),
                                   computeScores("gradnorm", *demo->features[ood], demo->head, t2));
    EXPECT_NEAR(a.gradient.all.auroc, grad, 1e-12);
    EXPECT_NE(a.gradient.all.auroc, gradnormOn(analyseFactors(*demo, FactorOptions()), "fashion-mnist").gradient.all.auroc);
}

TEST_F(FactorAnalysisTest, validationMaskIsASeededPartOfTheRequestedSize)
{
    const std::vector<bool> m = validationMask(1000, 0, 0.3, 7);
    EXPECT_EQ(std::count(m.begin(), m.end(), true), 300);
    EXPECT_EQ(m, validationMask(1000, 0, 0.3, 7));
    EXPECT_NE(m, validationMask(1000, 0, 0.3, 8));
    EXPECT_NE(m, validationMask(1000, 1, 0.3, 7)); // every dataset has its own draw
    EXPECT_EQ(std::count(m.begin(), m.begin() + 500, true) > 100, true); // spread, not the first 300
    EXPECT_EQ(std::count(m.begin() + 500, m.end(), true) > 100, true);
}

// The best member is the highest validation AUROC (brute force over every member), and its reported
// test AUROC is the brute-force AUROC of the other images.
TEST_F(FactorAnalysisTest, bestMemberIsChosenOnTheValidationPartAndReportedOnTheRest)
{
    FactorOptions o;
    o.split.validationFraction = 0.4;
    o.split.seed = 11;
    o.resamples = 200;
    const FactorReport r = analyseFactors(*demo, o);
    const FactorAnalysis& a = gradnormOn(r, "fashion-mnist");
    const std::size_t id = demo->idIndex, ood = demo->oodIndices[0];
    const std::vector<bool> vi = validationMask(demo->features[id]->rows, id, 0.4, 11);
    const std::vector<bool> vo = validationMask(demo->features[ood]->rows, ood, 0.4, 11);
    double best = -1;
    std::string bestLabel;
    for (const FamilyMember& m : familyMembers()) {
        const ScoreParams p = m.params(ScoreParams());
        const auto si = computeScores(m.method(), *demo->features[id], demo->head, p);
        const auto so = computeScores(m.method(), *demo->features[ood], demo->head, p);
        const double v = bruteAuroc(part(si, vi, true), part(so, vo, true));
        if (v > best + 1e-15) {
            best = v;
            bestLabel = m.label();
        }
    }
    ASSERT_GE(a.best, 0);
    const FamilyResult& b = a.family[a.best];
    EXPECT_EQ(b.member.label(), bestLabel);
    EXPECT_NEAR(b.metrics.validation.auroc, best, 1e-12);
    const ScoreParams p = b.member.params(ScoreParams());
    const double test = bruteAuroc(part(computeScores(b.member.method(), *demo->features[id], demo->head, p), vi, false),
                                   part(computeScores(b.member.method(), *demo->features[ood], demo->head, p), vo, false));
    EXPECT_NEAR(b.metrics.test.auroc, test, 1e-12);
    EXPECT_EQ(b.metrics.test.n_id + b.metrics.validation.n_id, demo->features[id]->rows);
    // The comparison is on the test part: its AUROCs are the two test AUROCs.
    ASSERT_TRUE(a.versusBest.ok) << a.versusBest.note;
    EXPECT_NEAR(a.versusBest.delong.aurocA, test, 1e-12);
    EXPECT_NEAR(a.versusBest.delong.aurocB, a.gradient.test.auroc, 1e-12);
    EXPECT_EQ(a.versusBest.bootstrap.resamples, 200);
    EXPECT_LE(a.versusBest.bootstrap.auroc.low, a.versusBest.bootstrap.auroc.estimate);
    EXPECT_GE(a.versusBest.bootstrap.auroc.high, a.versusBest.bootstrap.auroc.estimate);
    EXPECT_LE(a.versusBest.bootstrap.aurocOfA.lo, test);
    EXPECT_GE(a.versusBest.bootstrap.aurocOfA.hi, test);
}

TEST_F(FactorAnalysisTest, verdictStatesTheNumbers)
{
    const FactorReport r = analyseFactors(*demo, FactorOptions());
    const FactorAnalysis& a = gradnormOn(r, "fashion-mnist");
    const FamilyResult& b = a.family[a.best];
    std::cout << "verdict: " << a.verdict << "\n";
    char best[32], grad[32], diff[32];
    std::snprintf(best, sizeof best, "%.2f %%", 100 * b.metrics.test.auroc);
    std::snprintf(grad, sizeof grad, "%.2f %%", 100 * a.gradient.test.auroc);
    std::snprintf(diff, sizeof diff, "%+.2f", 100 * (b.metrics.test.auroc - a.gradient.test.auroc));
    EXPECT_NE(a.verdict.find("On fashion-mnist, " + b.member.label() + " reaches AUROC " + best), std::string::npos)
        << a.verdict;
    EXPECT_NE(a.verdict.find(std::string("GradNorm's ") + grad), std::string::npos) << a.verdict;
    EXPECT_NE(a.verdict.find(std::string("difference ") + diff), std::string::npos) << a.verdict;
    const bool excludesZero = a.versusBest.bootstrap.auroc.low > 0 || a.versusBest.bootstrap.auroc.high < 0;
    EXPECT_EQ(a.verdict.find("adds no significant AUROC") != std::string::npos, !excludesZero) << a.verdict;
}

// A separate validation pair: the fit set against one OOD set picks the member once; the other OOD
// sets are tested in full.
TEST_F(FactorAnalysisTest, separateValidationPair)
{
    RunConfig c = demoConfig();
    c.methods = {"gradnorm", "mahalanobis"}; // a fitted method: the fit set is extracted
    c.datasets.push_back({"mnist-train-as-ood", c.datasets[2].path, DatasetRole::Ood});
    const RunResultPtr run = runOnce(c);
    FactorOptions o;
    o.split.kind = FactorSplit::Kind::Pair;
    o.split.validationId = "fit";
    o.split.validationOod = "fashion-mnist";
    o.resamples = 0;
    const FactorReport r = analyseFactors(*run, o);
    ASSERT_EQ(r.analyses.size(), 1u);
    const FactorAnalysis& a = r.analyses[0];
    EXPECT_EQ(a.ood, "mnist-train-as-ood");
    ASSERT_GE(a.best, 0);
    // The best member by brute force on (fit, fashion-mnist) in full.
    const std::size_t fit = 2, val = 1;
    double best = -1;
    std::string bestLabel;
    for (const FamilyMember& m : familyMembers()) {
        const ScoreParams p = m.params(ScoreParams());
        const double v = bruteAuroc(computeScores(m.method(), *run->features[fit], run->head, p),
                                    computeScores(m.method(), *run->features[val], run->head, p));
        if (v > best + 1e-15) {
            best = v;
            bestLabel = m.label();
        }
    }
    EXPECT_EQ(a.family[a.best].member.label(), bestLabel);
    EXPECT_EQ(a.gradient.test.n_id, run->features[run->idIndex]->rows); // tested on the whole ID set
    EXPECT_EQ(a.gradient.test.auroc, a.gradient.all.auroc);

    o.split.validationId = "id";
    EXPECT_THROW(analyseFactors(*run, o), Error);
    o.split.validationId = "no-such-set";
    try {
        analyseFactors(*run, o);
        FAIL() << "an unknown validation set was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-set"), std::string::npos);
    }
}

TEST_F(FactorAnalysisTest, factorsCsvHasOneRowPerMemberAndFeatureTerm)
{
    FactorOptions o;
    o.resamples = 0;
    const FactorReport r = analyseFactors(*demo, o);
    std::istringstream in(factorsCsv(r));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "gradient_method,ood,q,a,phi,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out");
    std::size_t rows = 0, featureRows = 0;
    bool sawGradnormCell = false;
    const MetricsRow* g = demo->metricsOf("gradnorm", "fashion-mnist");
    while (std::getline(in, line)) {
        ++rows;
        if (line.rfind("gradnorm,fashion-mnist,inf,1,,", 0) == 0 || line.rfind("gradnorm,fashion-mnist,1,1,,", 0) == 0)
            ++featureRows;
        if (line.rfind("gradnorm,fashion-mnist,1,1,gradterm,", 0) == 0) {
            sawGradnormCell = true;
            const double auroc = std::stod(line.substr(std::string("gradnorm,fashion-mnist,1,1,gradterm,").size()));
            EXPECT_EQ(auroc, g->metrics.auroc); // printed exactly
        }
    }
    EXPECT_EQ(rows, r.analyses.size() * (familyMembers().size() + 3));
    EXPECT_EQ(featureRows, 2u);
    EXPECT_TRUE(sawGradnormCell);
}

TEST_F(FactorAnalysisTest, cancellationStopsTheAnalysis)
{
    CancelAtOnce cancel;
    EXPECT_THROW(analyseFactors(*demo, FactorOptions(), &cancel), Cancelled);
}
