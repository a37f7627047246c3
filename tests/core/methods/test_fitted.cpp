// SPDX-License-Identifier: GPL-3.0-or-later
// Fitted baselines on synthetic data: known answers and the degenerate cases.
// (Agreement with independent numpy implementations on the demo: tests/python/crosscheck_fitted.py.)
#include "common/Error.h"
#include "methods/Scores.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

using namespace oodlens;

namespace {

// rows x dim features drawn around class centres, logits from the given head.
FeatureSet synthetic(std::size_t rows, int dim, const Head& head, unsigned seed, double shift = 0)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = head.classes;
    for (std::size_t r = 0; r < rows; ++r) {
        const int label = static_cast<int>(r % head.classes);
        for (int k = 0; k < dim; ++k)
            s.features.push_back(std::fabs(normal(rng) + (k % head.classes == label ? 3.0f : 0.0f) + float(shift)));
        for (int c = 0; c < head.classes; ++c) {
            double z = head.bias[c];
            for (int k = 0; k < dim; ++k)
                z += head.weight[c * dim + k] * s.features[r * dim + k];
            s.logits.push_back(static_cast<float>(z));
        }
        s.labels.push_back(label);
        s.index.push_back(r);
        s.paths.push_back("x");
    }
    return s;
}

Head identityHead(int classes, int dim)
{
    Head h;
    h.classes = classes;
    h.dim = dim;
    h.weight.assign(classes * dim, 0.f);
    for (int k = 0; k < dim; ++k)
        h.weight[(k % classes) * dim + k] = 1.f;
    h.bias.assign(classes, 0.f);
    return h;
}

std::string messageOf(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

TEST(Fitted, knnFindsExactNeighbours)
{
    // Bank on the unit circle at known angles; the query's k-th neighbour is known.
    Head head = identityHead(2, 2);
    FeatureSet bank;
    bank.rows = 4;
    bank.dim = 2;
    bank.classes = 2;
    for (double deg : {0.0, 10.0, 30.0, 90.0}) {
        bank.features.push_back(static_cast<float>(std::cos(deg * M_PI / 180)));
        bank.features.push_back(static_cast<float>(std::sin(deg * M_PI / 180)));
    }
    bank.logits.assign(8, 0.f);
    bank.labels.assign(4, 0);
    FeatureSet q = bank;
    q.rows = 1;
    q.features = {5.f, 0.f}; // direction 0 degrees, length 5: normalised first
    q.logits = {0.f, 0.f};
    ScoreParams p;
    p.set("knn.k", 3);
    const double score = fitScorer("knn", &bank, head, p)->score(q, nullptr)[0];
    const double expected = -2 * std::sin(15 * M_PI / 180); // chord to the 30-degree point
    ASSERT_TRUE(std::abs(score - expected) < 1e-6);
}

TEST(Fitted, mahalanobisPrefersTheClassCentres)
{
    const Head head = identityHead(3, 6);
    const FeatureSet fit = synthetic(600, 6, head, 1);
    const FeatureSet near = synthetic(60, 6, head, 2);
    const FeatureSet far = synthetic(60, 6, head, 3, 8.0);
    auto m = fitScorer("mahalanobis", &fit, head, ScoreParams());
    const auto a = m->score(near, nullptr), b = m->score(far, nullptr);
    ASSERT_TRUE(*std::min_element(a.begin(), a.end()) > *std::max_element(b.begin(), b.end()));
    ASSERT_TRUE(m->note().find("shrinkage") == std::string::npos);
}

TEST(Fitted, singularCovarianceIsShrunkAndReported)
{
    const Head head = identityHead(2, 4);
    FeatureSet fit = synthetic(200, 4, head, 4);
    for (std::size_t r = 0; r < fit.rows; ++r)
        fit.features[r * 4 + 3] = 0.f; // a dead unit: zero variance, singular covariance
    auto m = fitScorer("mahalanobis", &fit, head, ScoreParams());
    ASSERT_TRUE(m->note().find("shrinkage") != std::string::npos) << m->note().c_str();
    const auto s = m->score(fit, nullptr);
    ASSERT_TRUE(std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); }));
}

TEST(Fitted, fitSetSmallerThanTheFeatureDimensionIsWarnedWithWhatTheFitFound)
{
    // 10 fit images for 16 feature dimensions: the covariance has rank <= 10.
    const Head head = identityHead(2, 16);
    const FeatureSet fit = synthetic(10, 16, head, 5);
    for (const char* id : {"vim", "mahalanobis"}) {
        const MethodInfo& m = requireMethod(id);
        auto scorer = fitScorer(id, &fit, head, ScoreParams());
        const std::string w = fitWarning(m, fit.rows, fit.dim, scorer->note());
        EXPECT_NE(w.find("10 images, fewer than the 16 feature dimensions"), std::string::npos) << w;
        EXPECT_NE(w.find(scorer->note()), std::string::npos) << w; // says what the fit found
        EXPECT_EQ(w.rfind(m.label, 0), 0u) << w;
        // Enough images: no warning.
        EXPECT_EQ(fitWarning(m, 16, 16, scorer->note()), "");
    }
    // ViM's note names its alpha, the number that explodes on a tiny fit set.
    EXPECT_NE(fitScorer("vim", &fit, head, ScoreParams())->note().find("alpha = "), std::string::npos);
    // Methods without a covariance are not warned about (a KNN bank of 10 is fine).
    EXPECT_EQ(fitWarning(requireMethod("knn"), 10, 16, "bank"), "");
}

TEST(Fitted, unlabelledFitSetUsesPredictionsAndSaysSo)
{
    const Head head = identityHead(2, 4);
    FeatureSet fit = synthetic(100, 4, head, 5);
    std::fill(fit.labels.begin(), fit.labels.end(), -1);
    auto m = fitScorer("mahalanobis", &fit, head, ScoreParams());
    ASSERT_TRUE(m->note().find("predictions") != std::string::npos);
}

TEST(Fitted, reactClipsAtTheFitPercentile)
{
    const Head head = identityHead(2, 2);
    FeatureSet fit = synthetic(1, 2, head, 6);
    fit.rows = 5;
    fit.features = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    fit.labels.assign(5, 0);
    fit.logits.assign(10, 0.f);
    ScoreParams p;
    p.set("react.p", 50); // median of 1..10 = 5.5
    auto r = fitScorer("react", &fit, head, p);
    FeatureSet q = fit;
    q.rows = 1;
    q.features = {100.f, 1.f};
    const double expected = std::log(std::exp(5.5) + std::exp(1.0)); // energy of W min(h, 5.5)
    ASSERT_TRUE(std::abs(r->score(q, nullptr)[0] - expected) < 1e-9);
}

TEST(Fitted, ashKeepsTheTopEntriesAndRescales)
{
    const Head head = identityHead(1, 4);
    FeatureSet q;
    q.rows = 1;
    q.dim = 4;
    q.classes = 1;
    q.features = {4.f, 3.f, 2.f, 1.f};
    q.logits = {10.f};
    ScoreParams p;
    p.set("ash.p", 50); // keep 2 of 4: (4, 3), s1 = 10, s2 = 7
    const double score = computeScores("ash", q, head, p)[0];
    ASSERT_TRUE(std::abs(score - 7.0 * std::exp(10.0 / 7.0)) < 1e-9); // one class: energy = its logit
}

TEST(Fitted, degenerateCasesGiveClearErrors)
{
    const Head head = identityHead(2, 4);
    const FeatureSet fit = synthetic(20, 4, head, 7);
    ScoreParams bigK;
    bigK.set("knn.k", 21);
    ASSERT_TRUE(
        oodlens::test::contains(messageOf([&] { fitScorer("knn", &fit, head, bigK); }), "larger than the fit set"));
    FeatureSet empty;
    empty.dim = 4;
    ASSERT_TRUE(
        oodlens::test::contains(messageOf([&] { fitScorer("mahalanobis", &empty, head, ScoreParams()); }), "empty"));
    ASSERT_TRUE(
        oodlens::test::contains(messageOf([&] { fitScorer("vim", nullptr, head, ScoreParams()); }), "needs a fit set"));
    const Head wide = identityHead(2, 8);
    ASSERT_TRUE(
        oodlens::test::contains(messageOf([&] { fitScorer("knn", &fit, wide, ScoreParams()); }), "feature dimension"));
    ASSERT_TRUE(
        oodlens::test::contains(messageOf([&] { computeScores("react", fit, head, ScoreParams()); }), "fit set"));
}
