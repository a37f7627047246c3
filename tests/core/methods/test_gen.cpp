// SPDX-License-Identifier: GPL-3.0-or-later
// GEN (generalized entropy) against a direct evaluation of its definition: full sort, explicit sum.
#include "common/Error.h"
#include "methods/Scores.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

using namespace oodlens;

namespace {

FeatureSet logitsOnly(const std::vector<std::vector<float>>& rows)
{
    FeatureSet s;
    s.rows = rows.size();
    s.classes = static_cast<int>(rows[0].size());
    s.dim = 1;
    for (const auto& z : rows)
        s.logits.insert(s.logits.end(), z.begin(), z.end());
    s.features.assign(s.rows, 1.0f);
    s.labels.assign(s.rows, -1);
    s.index.assign(s.rows, 0);
    s.paths.assign(s.rows, std::string());
    return s;
}

// -sum over the M largest probabilities of p^g (1-p)^g, written from the paper's formula.
double reference(const std::vector<float>& z, double g, int m)
{
    std::vector<double> p(z.size());
    double sum = 0;
    for (std::size_t c = 0; c < z.size(); ++c)
        sum += p[c] = std::exp(double(z[c]));
    for (double& v : p)
        v /= sum;
    std::sort(p.begin(), p.end(), std::greater<double>());
    double s = 0;
    for (int c = 0; c < std::min<int>(m, static_cast<int>(p.size())); ++c)
        s += std::pow(p[c], g) * std::pow(1 - p[c], g);
    return -s;
}

} // namespace

TEST(Gen, IsRegisteredAsAnOutputTermWithItsPaperDefaults)
{
    const MethodInfo& m = requireMethod("gen");
    EXPECT_EQ(m.group, MethodGroup::Output);
    EXPECT_DOUBLE_EQ(m.param("gamma")->defaultValue, 0.1);
    EXPECT_DOUBLE_EQ(m.param("M")->defaultValue, 100);
    // An output term joins the family by registering.
    ASSERT_NE(findMethod("l1_x_gen"), nullptr);
    EXPECT_EQ(findMethod("l1_x_gen")->factors->outputTerm, "gen");
}

TEST(Gen, HandWorkedThreeClasses)
{
    // z = (2, 1, 0): p = (0.665241, 0.244728, 0.090031); gamma = 0.5, M = 2 keeps the first two.
    const FeatureSet s = logitsOnly({{2.0f, 1.0f, 0.0f}});
    ScoreParams p;
    p.parseAssignment("gen.gamma=0.5");
    p.parseAssignment("gen.M=2");
    const double expected = -(std::sqrt(0.6652409558 * (1 - 0.6652409558)) + std::sqrt(0.2447284711 * (1 - 0.2447284711)));
    EXPECT_NEAR(computeScores("gen", s, Head{}, p)[0], expected, 1e-9);
}

TEST(Gen, MatchesTheDefinitionOnRandomLogits)
{
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0, 3);
    std::vector<std::vector<float>> rows(50, std::vector<float>(120));
    for (auto& z : rows)
        for (float& v : z)
            v = normal(rng);
    const FeatureSet s = logitsOnly(rows);
    for (auto [gamma, m] : {std::pair{0.1, 100}, std::pair{0.5, 5}, std::pair{1.0, 1000}}) {
        ScoreParams p;
        p.set("gen.gamma", gamma);
        p.set("gen.M", m);
        const std::vector<double> ours = computeScores("gen", s, Head{}, p);
        for (std::size_t r = 0; r < rows.size(); ++r)
            EXPECT_NEAR(ours[r], reference(rows[r], gamma, m), 1e-12) << "gamma " << gamma << " M " << m;
    }
}

TEST(Gen, ConfidentPredictionsScoreHigher)
{
    const FeatureSet s = logitsOnly({{10.0f, 0.0f, 0.0f}, {0.1f, 0.0f, 0.0f}});
    const std::vector<double> v = computeScores("gen", s, Head{}, ScoreParams{});
    EXPECT_GT(v[0], v[1]);
}

TEST(Gen, ParametersOutOfRangeAreRefused)
{
    const FeatureSet s = logitsOnly({{1.0f, 0.0f}});
    ScoreParams p;
    p.set("gen.gamma", 0);
    EXPECT_THROW(computeScores("gen", s, Head{}, p), Error);
    ScoreParams q;
    q.set("gen.M", 0.5);
    EXPECT_THROW(computeScores("gen", s, Head{}, q), Error);
}
