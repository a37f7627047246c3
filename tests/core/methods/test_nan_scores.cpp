// SPDX-License-Identifier: GPL-3.0-or-later
// NaN propagation through every registered score. An image whose features or logits are NaN or
// infinite has no defined score: it must come out NaN (metrics leave NaN out and count it), never
// a finite number that ranks it. MSP was 0 for NaN and all-infinite logits (std::max skips NaN), so
// those images counted as the most OOD while every other method left them out.
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Registry.h"
#include "methods/Scores.h"
#include "metrics/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace oodlens;

namespace {

constexpr int kDim = 6;
constexpr int kClasses = 4;
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

Head makeHead(std::mt19937& rng)
{
    std::normal_distribution<float> n(0.f, 0.5f);
    Head h;
    h.classes = kClasses;
    h.dim = kDim;
    for (int i = 0; i < kClasses * kDim; ++i)
        h.weight.push_back(n(rng));
    for (int c = 0; c < kClasses; ++c)
        h.bias.push_back(n(rng));
    return h;
}

// Features >= 0 (post-ReLU, as the feature-shaping methods assume) and logits = W h + b.
void addRow(FeatureSet& s, const Head& head, const std::vector<float>& h)
{
    s.features.insert(s.features.end(), h.begin(), h.end());
    for (int c = 0; c < kClasses; ++c) {
        float z = head.bias[c];
        for (int d = 0; d < kDim; ++d)
            z += head.weight[c * kDim + d] * h[d];
        s.logits.push_back(z);
    }
    s.labels.push_back(-1);
    s.index.push_back(s.rows);
    s.paths.push_back("row" + std::to_string(s.rows));
    ++s.rows;
}

FeatureSet cleanSet(const Head& head, std::mt19937& rng, std::size_t rows)
{
    FeatureSet s;
    s.dim = kDim;
    s.classes = kClasses;
    std::gamma_distribution<float> g(2.f, 0.7f);
    for (std::size_t r = 0; r < rows; ++r) {
        std::vector<float> h(kDim);
        for (float& v : h)
            v = g(rng);
        addRow(s, head, h);
    }
    return s;
}

// The kinds of broken rows, each replacing one row of a clean set.
enum class Broken { NaNFeatures, NaNLogit, AllMinusInfLogits, AllPlusInfLogits, InfFeature };
const char* name(Broken b)
{
    switch (b) {
    case Broken::NaNFeatures: return "NaN features (and so NaN logits)";
    case Broken::NaNLogit: return "one NaN logit";
    case Broken::AllMinusInfLogits: return "all logits -inf";
    case Broken::AllPlusInfLogits: return "all logits +inf";
    case Broken::InfFeature: return "an infinite feature (and so infinite logits)";
    }
    return "";
}

void breakRow(FeatureSet& s, std::size_t r, Broken b)
{
    float* h = s.features.data() + r * kDim;
    float* z = s.logits.data() + r * kClasses;
    switch (b) {
    case Broken::NaNFeatures:
        h[2] = kNaN;
        std::fill(z, z + kClasses, kNaN);
        break;
    case Broken::NaNLogit: z[1] = kNaN; break;
    case Broken::AllMinusInfLogits: std::fill(z, z + kClasses, -kInf); break;
    case Broken::AllPlusInfLogits: std::fill(z, z + kClasses, kInf); break;
    case Broken::InfFeature:
        h[0] = kInf;
        for (int c = 0; c < kClasses; ++c)
            z[c] = kInf * (c % 2 ? 1.f : -1.f);
        break;
    }
}

bool readsFeatures(Broken b) { return b == Broken::NaNFeatures || b == Broken::InfFeature; }

// Scores of `id` on `set` (fitted methods fitted on `fit`).
// NNGuide's default guide bank (alpha = 0.01) would hold 2 of the 120 fit images, fewer than its k:
// every fit image is a guide here.
std::vector<double> scoresOf(const MethodInfo& m, const FeatureSet& set, const FeatureSet& fit, const Head& head)
{
    ScoreParams params;
    params.set("nnguide.alpha", 1);
    if (m.fit)
        return fitScorer(m.id, &fit, head, params, nullptr)->score(set, nullptr);
    return computeScores(m.id, set, head, ScoreParams());
}

} // namespace

class NaNScores : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(1); }
};

// For every method of the registry (those that need the images aside: ODIN runs the model and its
// test is the pipeline's): a broken row gets a NaN score when the method reads what is broken, and
// the clean rows keep the scores they have in a clean set.
TEST_F(NaNScores, everyMethodGivesNaNForABrokenRow)
{
    std::mt19937 rng(7);
    const Head head = makeHead(rng);
    const FeatureSet fit = cleanSet(head, rng, 120); // at least NNGuide's k = 100
    const FeatureSet clean = cleanSet(head, rng, 12);
    const std::vector<Broken> kinds = {Broken::NaNFeatures, Broken::NaNLogit, Broken::AllMinusInfLogits,
                                       Broken::AllPlusInfLogits, Broken::InfFeature};
    int checked = 0;
    for (const MethodInfo& m : methodRegistry()) {
        if (m.has(NeedsImages))
            continue;
        SCOPED_TRACE(m.id);
        const std::vector<double> reference = scoresOf(m, clean, fit, head);
        ASSERT_EQ(reference.size(), clean.rows);
        // Does the method read the logits? Other finite logits on row 0 tell.
        FeatureSet otherLogits = clean;
        for (int c = 0; c < kClasses; ++c)
            otherLogits.logits[c] = float(c) * 3.f - 2.f;
        const bool readsLogits = scoresOf(m, otherLogits, fit, head)[0] != reference[0];
        for (Broken b : kinds) {
            SCOPED_TRACE(name(b));
            FeatureSet set = clean;
            const std::size_t row = 5;
            breakRow(set, row, b);
            std::vector<double> s;
            try {
                s = scoresOf(m, set, fit, head);
            } catch (const Error& e) {
                ADD_FAILURE() << "threw: " << e.what();
                continue;
            }
            ASSERT_EQ(s.size(), set.rows);
            // The documented exception: ReAct clips every feature at its threshold c, and
            // min(+inf, c) = c, so an infinite feature is clipped like any large one.
            if (m.id == "react" && b == Broken::InfFeature) {
                EXPECT_TRUE(std::isfinite(s[row])) << "score " << s[row];
            } else if (readsFeatures(b) || readsLogits) {
                if (b == Broken::InfFeature)
                    EXPECT_FALSE(std::isfinite(s[row])) << "score " << s[row]; // +inf norms are exact
                else
                    EXPECT_TRUE(std::isnan(s[row])) << "score " << s[row];
            } else {
                EXPECT_TRUE(std::isfinite(s[row])) << "a method that ignores the logits changed its score";
            }
            // Fitted statistics and the other rows are untouched by one broken row (KNN's bank
            // and every fit come from the clean fit set).
            for (std::size_t r = 0; r < set.rows; ++r) {
                if (r != row) {
                    EXPECT_NEAR(s[r], reference[r], 1e-9 * (1 + std::fabs(reference[r]))) << "row " << r;
                }
            }
        }
        ++checked;
    }
    EXPECT_GE(checked, 20);
}

// The scores the issue names, by value (MSP, l1 x MSP and l2 x MSP were 0 on these rows), and
// MaxLogit, whose maximum skipped a NaN logit.
TEST_F(NaNScores, mspAndItsProductsAreNaNNotZero)
{
    std::mt19937 rng(3);
    const Head head = makeHead(rng);
    FeatureSet set = cleanSet(head, rng, 4);
    breakRow(set, 1, Broken::NaNLogit);
    breakRow(set, 2, Broken::AllMinusInfLogits);
    breakRow(set, 3, Broken::AllPlusInfLogits);
    for (const char* id : {"msp", "l1_x_msp", "l2_x_msp", "maxlogit", "energy", "gradnorm"}) {
        SCOPED_TRACE(id);
        const std::vector<double> s = computeScores(id, set, head, ScoreParams());
        EXPECT_TRUE(std::isfinite(s[0]) && s[0] > 0);
        for (std::size_t r = 1; r < 4; ++r)
            EXPECT_TRUE(std::isnan(s[r])) << "row " << r << ": " << s[r];
    }
}

// Metrics leave NaN scores out, on either side, and count them: the same numbers as without the rows.
TEST_F(NaNScores, metricsLeaveNaNRowsOutAndCountThem)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> id = {0.9, 0.8, 0.75, 0.6, 0.95};
    const std::vector<double> ood = {0.3, 0.7, 0.1, 0.5};
    std::vector<double> idNan = id, oodNan = ood;
    idNan.insert(idNan.begin() + 2, nan);
    oodNan.push_back(nan);
    oodNan.insert(oodNan.begin(), nan);
    const BinaryMetrics a = computeMetrics(id, ood), b = computeMetrics(idNan, oodNan);
    EXPECT_EQ(a.auroc, b.auroc);
    EXPECT_EQ(a.fpr95_id, b.fpr95_id);
    EXPECT_EQ(a.fpr95_ood, b.fpr95_ood);
    EXPECT_EQ(a.aupr_in, b.aupr_in);
    EXPECT_EQ(a.aupr_out, b.aupr_out);
    EXPECT_EQ(b.nan_id, 1u);
    EXPECT_EQ(b.nan_ood, 2u);
    EXPECT_EQ(b.n_id, id.size());
    EXPECT_EQ(b.n_ood, ood.size());
}
