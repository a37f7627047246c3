// SPDX-License-Identifier: GPL-3.0-or-later
// KNN and NNGuide on faiss against brute force: every distance and inner product in plain double
// loops over every bank row, on sets larger than one query block (512) and one bank block (4,096).
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace oodlens;

namespace {

constexpr int kClasses = 3;
// The index stores the unit vectors (and guides) as floats, so scores recomputed from them in
// double carry float rounding of each entry: about 1e-7 relative (measured <= 1e-7 on these sets).
constexpr double kTol = 1e-6;

FeatureSet randomSet(std::size_t rows, int dim, unsigned seed, bool relu = true)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = kClasses;
    for (std::size_t i = 0; i < rows * static_cast<std::size_t>(dim); ++i) {
        const float v = normal(rng) + 0.3f;
        s.features.push_back(relu ? std::max(0.f, v) : v);
    }
    for (std::size_t i = 0; i < rows * kClasses; ++i)
        s.logits.push_back(2.f * normal(rng));
    s.labels.assign(rows, 0);
    s.index.resize(rows);
    s.paths.resize(rows);
    for (std::size_t i = 0; i < rows; ++i)
        s.paths[i] = "img" + std::to_string(i) + ".png";
    return s;
}

Head head(int dim)
{
    Head h;
    h.classes = kClasses;
    h.dim = dim;
    h.weight.assign(static_cast<std::size_t>(kClasses * dim), 0.01f);
    h.bias.assign(kClasses, 0.f);
    return h;
}

std::vector<double> unit(const FeatureSet& s, std::size_t r)
{
    std::vector<double> u(s.featureRow(r), s.featureRow(r) + s.dim);
    double n = 0;
    for (double v : u)
        n += v * v;
    n = std::sqrt(n);
    for (double& v : u)
        v = n > 0 ? v / n : 0;
    return u;
}

double lse(const float* z)
{
    double m = z[0];
    for (int c = 1; c < kClasses; ++c)
        m = std::max(m, double(z[c]));
    double s = 0;
    for (int c = 0; c < kClasses; ++c)
        s += std::exp(z[c] - m);
    return m + std::log(s);
}

// -(distance of the normalised query to its k-th nearest normalised bank row), by brute force.
std::vector<double> bruteKnn(const FeatureSet& bank, const FeatureSet& q, int k)
{
    std::vector<std::vector<double>> b;
    for (std::size_t r = 0; r < bank.rows; ++r)
        b.push_back(unit(bank, r));
    std::vector<double> out;
    for (std::size_t i = 0; i < q.rows; ++i) {
        const std::vector<double> u = unit(q, i);
        std::vector<double> d;
        for (const auto& v : b) {
            double ss = 0;
            for (int j = 0; j < q.dim; ++j)
                ss += (u[j] - v[j]) * (u[j] - v[j]);
            d.push_back(std::sqrt(ss));
        }
        std::nth_element(d.begin(), d.begin() + (k - 1), d.end());
        out.push_back(-d[static_cast<std::size_t>(k - 1)]);
    }
    return out;
}

// NNGuide by brute force: guides from rows j N / m (m = ceil(alpha N)), mean of the k largest.
std::vector<double> bruteNnGuide(const FeatureSet& fit, const FeatureSet& q, int k, double alpha)
{
    const std::size_t m = static_cast<std::size_t>(std::ceil(alpha * fit.rows - 1e-9));
    std::vector<std::vector<double>> guides;
    for (std::size_t j = 0; j < m; ++j) {
        const std::size_t r = j * fit.rows / m;
        std::vector<double> g = unit(fit, r);
        const double e = lse(fit.logitRow(r));
        for (double& v : g)
            v *= e;
        guides.push_back(g);
    }
    std::vector<double> out;
    for (std::size_t i = 0; i < q.rows; ++i) {
        const std::vector<double> u = unit(q, i);
        std::vector<double> s;
        for (const auto& g : guides) {
            double ip = 0;
            for (int j = 0; j < q.dim; ++j)
                ip += u[j] * g[j];
            s.push_back(ip);
        }
        std::sort(s.begin(), s.end(), std::greater<double>());
        double sum = 0;
        for (int j = 0; j < k; ++j)
            sum += s[static_cast<std::size_t>(j)];
        out.push_back(sum / k * lse(q.logitRow(i)));
    }
    return out;
}

void expectClose(const std::vector<double>& ours, const std::vector<double>& ref, double tol)
{
    ASSERT_EQ(ours.size(), ref.size());
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
        worst = std::max(worst, std::fabs(ours[i] - ref[i]) / std::max(std::fabs(ref[i]), 1e-6));
    EXPECT_LE(worst, tol);
}

class Neighbours : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initRuntime(2); }
};

} // namespace

TEST_F(Neighbours, exactKnnEqualsBruteForce)
{
    const FeatureSet bank = randomSet(4500, 24, 1), q = randomSet(1100, 24, 2);
    for (int k : {1, 7, 50, 4500}) {
        SCOPED_TRACE(k);
        ScoreParams p;
        p.set("knn.k", k);
        expectClose(fitScorer("knn", &bank, head(24), p)->score(q, nullptr), bruteKnn(bank, q, k), kTol);
    }
}

TEST_F(Neighbours, duplicateBankRowsAreAtDistanceZero)
{
    // Ten copies of each of 40 rows (and the queries among them): the ten nearest are at distance
    // 0 (float rounding aside), the eleventh is not.
    const FeatureSet base = randomSet(40, 16, 3, false);
    FeatureSet bank = base;
    bank.rows = 400;
    bank.features.clear();
    for (int copy = 0; copy < 10; ++copy)
        bank.features.insert(bank.features.end(), base.features.begin(), base.features.end());
    bank.logits.assign(400 * kClasses, 0.f);
    bank.labels.assign(400, 0);
    bank.paths.assign(400, "");
    bank.index.assign(400, 0);
    ScoreParams p;
    p.set("knn.k", 10);
    for (double s : fitScorer("knn", &bank, head(16), p)->score(base, nullptr))
        EXPECT_LT(-s, 1e-6);
    p.set("knn.k", 11);
    expectClose(fitScorer("knn", &bank, head(16), p)->score(base, nullptr), bruteKnn(bank, base, 11), kTol);
}

TEST_F(Neighbours, ivfProbingEveryCellIsExactAndFewerCellsNeverNearer)
{
    const FeatureSet bank = randomSet(6000, 32, 4), q = randomSet(700, 32, 5);
    const std::vector<double> exact = bruteKnn(bank, q, 20);
    ScoreParams p;
    p.set("knn.k", 20);
    p.set("knn.nlist", 16);
    p.set("knn.nprobe", 16);
    auto all = fitScorer("knn", &bank, head(32), p);
    EXPECT_NE(all->note().find("IndexIVFFlat"), std::string::npos) << all->note();
    const std::vector<double> every = all->score(q, nullptr);
    expectClose(every, exact, kTol);
    p.set("knn.nprobe", 1);
    const std::vector<double> one = fitScorer("knn", &bank, head(32), p)->score(q, nullptr);
    int farther = 0;
    for (std::size_t i = 0; i < q.rows; ++i) {
        // Against the exhaustive IVF's scores: the same stored vectors, so a neighbour found by
        // both gives the same double, and a missed one can only make the k-th farther.
        ASSERT_FALSE(std::isnan(one[i])) << "cells of ~375 rows hold 20 neighbours";
        EXPECT_LE(one[i], every[i]) << "row " << i;
        farther += one[i] < every[i];
    }
    EXPECT_GT(farther, 0) << "one cell of 16 should miss some neighbours";
}

TEST_F(Neighbours, ivfCellsWithFewerThanKRowsGiveNaNNotAWrongDistance)
{
    const FeatureSet bank = randomSet(300, 8, 6), q = randomSet(50, 8, 7);
    ScoreParams p;
    p.set("knn.k", 250);
    p.set("knn.nlist", 10);
    p.set("knn.nprobe", 1);
    int nan = 0;
    for (double s : fitScorer("knn", &bank, head(8), p)->score(q, nullptr))
        nan += std::isnan(s);
    EXPECT_EQ(nan, 50);
}

TEST_F(Neighbours, nnGuideEqualsBruteForce)
{
    const FeatureSet fit = randomSet(5000, 20, 8), q = randomSet(900, 20, 9);
    for (auto [k, alpha] : std::vector<std::pair<int, double>>{{100, 0.1}, {1, 1.0}, {10, 0.37}, {500, 0.5}}) {
        SCOPED_TRACE(std::to_string(k) + " " + std::to_string(alpha));
        ScoreParams p;
        p.set("nnguide.k", k);
        p.set("nnguide.alpha", alpha);
        auto scorer = fitScorer("nnguide", &fit, head(20), p);
        const std::size_t m = static_cast<std::size_t>(std::ceil(alpha * 5000 - 1e-9));
        EXPECT_NE(scorer->note().find("guide bank of " + std::to_string(m) + " of 5000"), std::string::npos)
            << scorer->note();
        expectClose(scorer->score(q, nullptr), bruteNnGuide(fit, q, k, alpha), kTol);
    }
}

TEST_F(Neighbours, errorsNameTheProblem)
{
    const FeatureSet fit = randomSet(500, 8, 10);
    auto message = [&](const char* method, std::vector<std::pair<const char*, double>> params, const FeatureSet& f) {
        ScoreParams p;
        for (auto [key, value] : params)
            p.set(key, value);
        try {
            fitScorer(method, &f, head(8), p);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    // The default alpha keeps 5 of 500 images, fewer than the default k = 100.
    EXPECT_EQ(message("nnguide", {}, fit),
              "nnguide: the guide bank holds 5 fit images (alpha = 0.01 of 500), fewer than k = 100: raise "
              "nnguide.alpha or lower nnguide.k");
    EXPECT_NE(message("knn", {{"knn.nlist", 501}}, fit).find("nlist = 501 cells needs at least as many bank rows; the bank has 500"),
              std::string::npos);
    FeatureSet broken = fit;
    broken.features[3 * 8 + 2] = std::nanf("");
    EXPECT_EQ(message("knn", {}, broken), "knn: fit image 3 (img3.png) has non-finite features: it cannot be a neighbour");
    broken = fit;
    broken.logits[7 * kClasses] = INFINITY;
    EXPECT_NE(message("nnguide", {{"nnguide.alpha", 1}, {"nnguide.k", 5}}, broken).find("fit image 7 (img7.png) has non-finite"),
              std::string::npos);
}
