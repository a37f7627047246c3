// SPDX-License-Identifier: GPL-3.0-or-later
// SCALE against the definition written out: scale by exp(s1/s2), energy of the head's logits.
#include "common/Error.h"
#include "methods/Scores.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

using namespace oodlens;

namespace {

FeatureSet featuresOnly(const std::vector<std::vector<float>>& rows, int classes)
{
    FeatureSet s;
    s.rows = rows.size();
    s.dim = static_cast<int>(rows[0].size());
    s.classes = classes;
    for (const auto& h : rows)
        s.features.insert(s.features.end(), h.begin(), h.end());
    s.logits.assign(s.rows * classes, 0.0f);
    s.labels.assign(s.rows, -1);
    s.index.assign(s.rows, 0);
    s.paths.assign(s.rows, std::string());
    return s;
}

double reference(const std::vector<float>& h, const Head& head, double p)
{
    const int d = static_cast<int>(h.size());
    const int k = std::max(1, d - static_cast<int>(std::llround(d * p / 100.0)));
    std::vector<double> sorted(h.begin(), h.end());
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    double s1 = 0, s2 = 0;
    for (int i = 0; i < d; ++i)
        s1 += h[i];
    for (int i = 0; i < k; ++i)
        s2 += sorted[i];
    const double scale = std::exp(s1 / s2);
    double maxz = -INFINITY;
    std::vector<double> z(head.classes);
    for (int c = 0; c < head.classes; ++c) {
        z[c] = head.bias[c];
        for (int i = 0; i < d; ++i)
            z[c] += double(head.weight[c * d + i]) * double(h[i]) * scale;
        maxz = std::max(maxz, z[c]);
    }
    double sum = 0;
    for (double v : z)
        sum += std::exp(v - maxz);
    return maxz + std::log(sum);
}

} // namespace

TEST(Scale, IsRegisteredWithItsPaperDefault)
{
    const MethodInfo& m = requireMethod("scale");
    EXPECT_EQ(m.group, MethodGroup::Feature);
    EXPECT_DOUBLE_EQ(m.param("p")->defaultValue, 85);
    EXPECT_FALSE(m.has(NeedsFitSet));
}

TEST(Scale, HandWorkedFourFeatures)
{
    // h = (4, 3, 2, 1), p = 50: k = 2, s1 = 10, s2 = 7; every entry is scaled by exp(10/7), none pruned.
    // Head: z = (h1, h4) => energy = log(exp(4 e^(10/7)) + exp(e^(10/7))).
    Head head;
    head.classes = 2;
    head.dim = 4;
    head.weight = {1, 0, 0, 0, 0, 0, 0, 1};
    head.bias = {0, 0};
    const FeatureSet s = featuresOnly({{4, 3, 2, 1}}, 2);
    ScoreParams p;
    p.parseAssignment("scale.p=50");
    const double a = std::exp(10.0 / 7.0);
    EXPECT_NEAR(computeScores("scale", s, head, p)[0], std::log(std::exp(4 * a) + std::exp(a)), 1e-9);
}

TEST(Scale, MatchesTheDefinitionOnRandomFeatures)
{
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> relu(0, 2);
    std::normal_distribution<float> normal(0, 0.1f);
    const int d = 64, classes = 10;
    Head head;
    head.classes = classes;
    head.dim = d;
    for (int i = 0; i < classes * d; ++i)
        head.weight.push_back(normal(rng));
    for (int c = 0; c < classes; ++c)
        head.bias.push_back(normal(rng));
    std::vector<std::vector<float>> rows(40, std::vector<float>(d));
    for (auto& h : rows)
        for (float& v : h)
            v = relu(rng) > 1.2f ? relu(rng) : 0.0f; // sparse, like post-ReLU features
    const FeatureSet s = featuresOnly(rows, classes);
    for (double pct : {85.0, 65.0, 0.0}) {
        ScoreParams p;
        p.set("scale.p", pct);
        const std::vector<double> ours = computeScores("scale", s, head, p);
        for (std::size_t r = 0; r < rows.size(); ++r)
            EXPECT_NEAR(ours[r], reference(rows[r], head, pct), 1e-9 * std::max(1.0, std::fabs(ours[r]))) << "p " << pct;
    }
}

TEST(Scale, PercentileOutOfRangeIsRefused)
{
    Head head;
    head.classes = 1;
    head.dim = 1;
    head.weight = {1};
    head.bias = {0};
    ScoreParams p;
    p.set("scale.p", 100);
    EXPECT_THROW(computeScores("scale", featuresOnly({{1}}, 1), head, p), Error);
}
