// SPDX-License-Identifier: GPL-3.0-or-later
// Closed-form gradient scores against LibTorch autograd through the demo model's head weight,
// and the algebraic identities of the feature-norm x output-term family.
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>

using namespace oodlens;

namespace {

double maxRelativeError(const std::vector<double>& a, const std::vector<double>& b)
{
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-12));
    return worst;
}

} // namespace

// The demo run, extracted once for every case of the suite.
class Scores : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        initRuntime(0);
        RunConfig c = demoConfig();
        c.methods = {"msp"};
        demo = runOnce(c);
    }
    static void TearDownTestSuite() { demo.reset(); }

    void SetUp() override
    {
        ASSERT_TRUE(demo->datasets[0].ok());
        ASSERT_TRUE(demo->datasets[1].ok());
        ASSERT_EQ(set(0).rows, std::size_t(2000));
        ASSERT_EQ(head().classes, 10);
        ASSERT_EQ(head().dim, 128);
    }

    static const FeatureSet& set(std::size_t i) { return *demo->features[i]; }
    static const Head& head() { return demo->head; }

    static RunResultPtr demo;
};

RunResultPtr Scores::demo;

struct AutogradRow {
    std::string method;
    int dataset;
    double temperature;
};

void PrintTo(const AutogradRow& r, std::ostream* os)
{
    *os << r.method << (r.dataset ? " ood" : " id") << " T=" << r.temperature;
}

std::vector<AutogradRow> autogradRows()
{
    std::vector<AutogradRow> rows;
    for (const char* m : {"gradnorm", "exgrad"})
        for (int d : {0, 1})
            for (double t : {1.0, 2.5})
                rows.push_back({m, d, t});
    return rows;
}

class ScoresAutograd : public Scores, public ::testing::WithParamInterface<AutogradRow> {};

INSTANTIATE_TEST_SUITE_P(Scores, ScoresAutograd, ::testing::ValuesIn(autogradRows()), [](const auto& info) {
    std::ostringstream name;
    PrintTo(info.param, &name);
    return oodlens::test::paramName(name.str());
});

TEST_P(ScoresAutograd, closedFormMatchesAutograd)
{
    const auto& [id, dataset, temperature] = GetParam();
    ScoreParams p;
    p.set("T", temperature);
    const auto closed = computeScores(id, set(dataset), head(), p);
    const auto exact = computeScores(id + "_autograd", set(dataset), head(), p);
    ASSERT_EQ(closed.size(), set(dataset).rows);
    ASSERT_EQ(exact.size(), closed.size());
    const double err = maxRelativeError(closed, exact);
    ASSERT_TRUE(err < 1e-4) << "max relative error " << err;
    // Guard against a vacuous pass: the scores must actually vary between images.
    const auto [lo, hi] = std::minmax_element(closed.begin(), closed.end());
    ASSERT_TRUE(*hi > 2 * *lo);
}

TEST_F(Scores, gradnormIsL1TimesGradtermOverT)
{
    ScoreParams p;
    p.set("T", 3.0);
    const auto g = computeScores("gradnorm", set(1), head(), p);
    const auto l1 = computeScores("feature_l1", set(1), head(), p);
    const auto o = computeScores("gradterm", set(1), head(), p);
    const auto fam = computeScores("l1_x_gradterm", set(1), head(), p);
    for (std::size_t i = 0; i < g.size(); ++i) {
        ASSERT_TRUE(std::abs(g[i] - l1[i] * o[i] / 3.0) <= 1e-12 * std::abs(g[i]));
        ASSERT_TRUE(std::abs(fam[i] - 3.0 * g[i]) <= 1e-12 * std::abs(fam[i]));
    }
}

// The family's exponent a and the infinity norm, from their definitions on raw feature rows.
TEST_F(Scores, familyExponentAndInfinityNormFromDefinitions)
{
    const FeatureSet& f = set(1);
    ScoreParams p;
    const auto msp = computeScores("msp", f, head(), p);
    for (double a : {0.0, 0.5, 2.0}) {
        ScoreParams pa;
        pa.set("linf_x_msp.a", a);
        pa.set("l2_x_msp.a", a);
        const auto inf = computeScores("linf_x_msp", f, head(), pa);
        const auto two = computeScores("l2_x_msp", f, head(), pa);
        for (std::size_t r = 0; r < f.rows; r += 97) {
            double mx = 0, sq = 0;
            for (int k = 0; k < f.dim; ++k) {
                mx = std::max(mx, std::abs(double(f.featureRow(r)[k])));
                sq += double(f.featureRow(r)[k]) * f.featureRow(r)[k];
            }
            ASSERT_NEAR(inf[r], std::pow(mx, a) * msp[r], 1e-12 * std::abs(inf[r]) + 1e-300) << a;
            ASSERT_NEAR(two[r], std::pow(std::sqrt(sq), a) * msp[r], 1e-9 * std::abs(two[r]) + 1e-300) << a;
            const Decomposition d = decompose("l2_x_msp", f, head(), pa, r);
            ASSERT_NEAR(d.score(), two[r], 1e-12 * std::abs(two[r]) + 1e-300);
        }
    }
    ScoreParams half;
    half.set("l2_x_msp.a", 0.5);
    EXPECT_EQ(methodLabel("l2_x_msp", half), "||h||_2^0.5 x MSP");
    EXPECT_EQ(methodLabel("l2_x_msp", p), "||h||_2 x MSP");
}

TEST_F(Scores, decompositionFactorsMultiplyToScore)
{
    ScoreParams p;
    p.set("T", 1.7);
    for (const char* m : {"gradnorm", "exgrad", "l1_x_msp", "l2_x_energy", "l2_x_gini", "l1_x_maxlogit"}) {
        const auto s = computeScores(m, set(0), head(), p);
        for (std::size_t r : {std::size_t(0), std::size_t(17), std::size_t(1999)}) {
            const Decomposition d = decompose(m, set(0), head(), p, r);
            ASSERT_TRUE(std::abs(d.featureTerm * d.outputTerm - s[r]) <= 1e-12 * std::abs(s[r]) + 1e-15) << m;
        }
    }
}

TEST_F(Scores, outputTermsFromDefinitions)
{
    // One row by hand: z from the features and the head, then each definition in long double.
    const FeatureSet& f = set(0);
    const std::size_t r = 5;
    std::vector<long double> z(head().classes);
    for (int c = 0; c < head().classes; ++c) {
        long double acc = head().bias[c];
        for (int k = 0; k < head().dim; ++k)
            acc += static_cast<long double>(head().weight[c * head().dim + k]) * f.featureRow(r)[k];
        z[c] = acc;
    }
    long double sum = 0, zmax = z[0];
    for (long double v : z)
        zmax = std::max(zmax, v);
    for (long double v : z)
        sum += std::exp(v);
    ScoreParams p;
    const double msp = computeScores("msp", f, head(), p)[r];
    const double energy = computeScores("energy", f, head(), p)[r];
    const double maxlogit = computeScores("maxlogit", f, head(), p)[r];
    ASSERT_TRUE(std::abs(msp - double(std::exp(zmax) / sum)) < 1e-5);
    ASSERT_TRUE(std::abs(energy - double(std::log(sum))) < 1e-4 * std::abs(energy));
    ASSERT_TRUE(std::abs(maxlogit - double(zmax)) < 1e-4 * std::abs(maxlogit));
}

TEST_F(Scores, everyRegisteredMethodIsImplemented)
{
    ScoreParams p;
    for (const MethodInfo& m : methodRegistry()) {
        if (m.has(NeedsAutograd) || m.has(NeedsFitSet) || m.has(NeedsImages))
            continue; // covered above and slow / need a fit (test_fitted, crosscheck_fitted)
        const auto s = computeScores(m.id, set(0), head(), p);
        ASSERT_EQ(s.size(), set(0).rows);
        ASSERT_TRUE(std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); })) << m.id;
    }
}

TEST_F(Scores, parameterResolution)
{
    ScoreParams p;
    p.parseAssignment("T=2");
    p.parseAssignment("gradnorm.T=5");
    ASSERT_FUZZY_EQ(p.resolve("gradnorm").get("T"), 5.0);
    ASSERT_FUZZY_EQ(p.resolve("energy").get("T"), 2.0);
    ASSERT_THROW(p.resolve("energy").get("k"), Error); // energy has no k
    // maxlogit has no T: only the orientation switch every method has.
    ASSERT_EQ(p.resolve("maxlogit").values(), (std::map<std::string, double>{{"flip", 0.0}}));
    // A method-qualified name must be one of the method's parameters; values must lie in range.
    ASSERT_THROW(p.parseAssignment("energy.k=3"), Error);
    ScoreParams range;
    range.parseAssignment("knn.k=0");
    ASSERT_THROW(range.resolve("knn"), Error);
    range.parseAssignment("knn.k=2.5");
    ASSERT_THROW(range.resolve("knn"), Error);
    range.parseAssignment("knn.k=3");
    ASSERT_FUZZY_EQ(range.resolve("knn").get("k"), 3.0);
    ASSERT_THROW(p.parseAssignment("T"), Error);
    ASSERT_THROW(p.parseAssignment("T=abc"), Error);
    ASSERT_THROW(p.parseAssignment("nosuch.T=2"), Error);
    ScoreParams bad;
    bad.set("T", 0);
    ASSERT_THROW(computeScores("energy", set(0), head(), bad), Error);
}

TEST_F(Scores, methodListParsing)
{
    ASSERT_EQ(parseMethodList("msp,energy,msp"), (std::vector<std::string>{"msp", "energy"}));
    ASSERT_EQ(parseMethodList("").size(), methodRegistry().size());
    ASSERT_THROW(parseMethodList("msp,nosuch"), Error);
}
