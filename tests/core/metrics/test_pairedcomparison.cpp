// SPDX-License-Identifier: GPL-3.0-or-later
// DeLong's test and the paired bootstrap, against brute force: placements from their O(m n)
// definition, DeLong's variance from those, and resamples redrawn here with the documented
// SplitMix64 scheme.
#include "common/Error.h"
#include "metrics/Metrics.h"
#include "metrics/PairedComparison.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace oodlens;

namespace {

// psi(x, y): 1 when the ID score x outranks the OOD score y, 1/2 on a tie.
double psi(double x, double y) { return x > y ? 1.0 : x == y ? 0.5 : 0.0; }

struct Scores {
    std::vector<double> idA, oodA, idB, oodB;
};

// Two correlated scores with ties (rounded), B a noisier copy of A.
Scores correlated(unsigned seed, std::size_t m, std::size_t n)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> z;
    Scores s;
    for (std::size_t i = 0; i < m; ++i) {
        const double base = 1.0 + z(rng);
        s.idA.push_back(std::round(base * 4) / 4);
        s.idB.push_back(std::round((base + 0.8 * z(rng)) * 4) / 4);
    }
    for (std::size_t j = 0; j < n; ++j) {
        const double base = z(rng);
        s.oodA.push_back(std::round(base * 4) / 4);
        s.oodB.push_back(std::round((base + 0.8 * z(rng)) * 4) / 4);
    }
    return s;
}

double sampleCov(const std::vector<double>& a, const std::vector<double>& b)
{
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ma += a[i];
        mb += b[i];
    }
    ma /= double(a.size());
    mb /= double(b.size());
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += (a[i] - ma) * (b[i] - mb);
    return s / double(a.size() - 1);
}

} // namespace

TEST(PairedComparison, PlacementsAreTheirDefinition)
{
    const Scores s = correlated(1, 37, 53);
    const Placements p = placements(s.idA, s.oodA);
    for (std::size_t i = 0; i < s.idA.size(); ++i) {
        double v = 0;
        for (double y : s.oodA)
            v += psi(s.idA[i], y);
        EXPECT_NEAR(p.id[i], v / double(s.oodA.size()), 1e-12);
    }
    for (std::size_t j = 0; j < s.oodA.size(); ++j) {
        double v = 0;
        for (double x : s.idA)
            v += psi(x, s.oodA[j]);
        EXPECT_NEAR(p.ood[j], v / double(s.idA.size()), 1e-12);
    }
}

TEST(PairedComparison, DelongMatchesBruteForceAndTheAuroc)
{
    const Scores s = correlated(2, 80, 120);
    // Brute force placements for both scores, then DeLong's variance of the difference.
    auto brute = [](const std::vector<double>& id, const std::vector<double>& ood) {
        Placements p;
        for (double x : id) {
            double v = 0;
            for (double y : ood)
                v += psi(x, y);
            p.id.push_back(v / double(ood.size()));
        }
        for (double y : ood) {
            double v = 0;
            for (double x : id)
                v += psi(x, y);
            p.ood.push_back(v / double(id.size()));
        }
        return p;
    };
    const Placements a = brute(s.idA, s.oodA), b = brute(s.idB, s.oodB);
    const double m = double(s.idA.size()), n = double(s.oodA.size());
    const double var = (sampleCov(a.id, a.id) + sampleCov(b.id, b.id) - 2 * sampleCov(a.id, b.id)) / m +
                       (sampleCov(a.ood, a.ood) + sampleCov(b.ood, b.ood) - 2 * sampleCov(a.ood, b.ood)) / n;
    const AurocComparison c = delongTest(s.idA, s.oodA, s.idB, s.oodB);
    EXPECT_NEAR(c.aurocA, computeMetrics(s.idA, s.oodA).auroc, 1e-12);
    EXPECT_NEAR(c.aurocB, computeMetrics(s.idB, s.oodB).auroc, 1e-12);
    EXPECT_NEAR(c.difference, c.aurocA - c.aurocB, 1e-15);
    EXPECT_NEAR(c.standardError, std::sqrt(var), 1e-12);
    EXPECT_NEAR(c.z, c.difference / std::sqrt(var), 1e-9);
    EXPECT_NEAR(c.pValue, std::erfc(std::abs(c.z) / std::sqrt(2.0)), 1e-12);
    EXPECT_GT(c.pValue, 0.0);
    EXPECT_LT(c.pValue, 1.0);
}

TEST(PairedComparison, IdenticalScoresDifferByNothing)
{
    const Scores s = correlated(3, 30, 40);
    const AurocComparison c = delongTest(s.idA, s.oodA, s.idA, s.oodA);
    EXPECT_EQ(c.difference, 0.0);
    EXPECT_EQ(c.standardError, 0.0);
    EXPECT_EQ(c.pValue, 1.0);
    // Perfect separation against perfect reversal: a difference of 1 with no variance has no p.
    const std::vector<double> id{3, 4, 5}, ood{0, 1, 2}, idRev{0, 1, 2}, oodRev{3, 4, 5};
    const AurocComparison d = delongTest(id, ood, idRev, oodRev);
    EXPECT_EQ(d.difference, 1.0);
    EXPECT_EQ(d.standardError, 0.0);
    EXPECT_TRUE(std::isnan(d.pValue));
    const PairedBootstrap b = pairedBootstrap(s.idA, s.oodA, s.idA, s.oodA, 50, 7);
    EXPECT_EQ(b.auroc.low, 0.0);
    EXPECT_EQ(b.auroc.high, 0.0);
}

TEST(PairedComparison, NanPairsAreLeftOutAndMismatchedSetsRefused)
{
    Scores s = correlated(4, 20, 20);
    const AurocComparison clean = delongTest(s.idA, s.oodA, s.idB, s.oodB);
    s.idA.push_back(std::numeric_limits<double>::quiet_NaN());
    s.idB.push_back(5.0);
    s.oodA.push_back(0.0);
    s.oodB.push_back(std::numeric_limits<double>::quiet_NaN());
    const AurocComparison withNan = delongTest(s.idA, s.oodA, s.idB, s.oodB);
    EXPECT_EQ(withNan.idCount, 20u);
    EXPECT_EQ(withNan.oodCount, 20u);
    EXPECT_DOUBLE_EQ(withNan.difference, clean.difference);
    s.idB.pop_back();
    EXPECT_THROW(delongTest(s.idA, s.oodA, s.idB, s.oodB), Error);
}

// The resamples follow the documented scheme: redrawn here, they give the same interval.
TEST(PairedComparison, BootstrapFollowsTheDocumentedDraws)
{
    const Scores s = correlated(5, 60, 70);
    const int resamples = 200;
    const std::uint64_t seed = 12345;
    const PairedBootstrap b = pairedBootstrap(s.idA, s.oodA, s.idB, s.oodB, resamples, seed);
    std::uint64_t state = seed;
    auto next = [&state] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    __extension__ typedef unsigned __int128 Wide; // the compiler's 128-bit product, as a reference
    auto index = [&](std::size_t count) { return std::size_t((Wide(next()) * count) >> 64); };
    std::vector<double> diffs;
    for (int r = 0; r < resamples; ++r) {
        std::vector<double> ia, ib, oa, ob;
        for (std::size_t i = 0; i < s.idA.size(); ++i) {
            const std::size_t k = index(s.idA.size());
            ia.push_back(s.idA[k]);
            ib.push_back(s.idB[k]);
        }
        for (std::size_t j = 0; j < s.oodA.size(); ++j) {
            const std::size_t k = index(s.oodA.size());
            oa.push_back(s.oodA[k]);
            ob.push_back(s.oodB[k]);
        }
        // AUROC from its definition, not from computeMetrics.
        auto auc = [](const std::vector<double>& id, const std::vector<double>& ood) {
            double v = 0;
            for (double x : id)
                for (double y : ood)
                    v += psi(x, y);
            return v / double(id.size() * ood.size());
        };
        diffs.push_back(auc(ia, oa) - auc(ib, ob));
    }
    std::sort(diffs.begin(), diffs.end());
    auto q = [&](double p) {
        const double pos = p * double(diffs.size() - 1);
        const auto lo = std::size_t(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, diffs.size() - 1);
        return diffs[lo] + (pos - double(lo)) * (diffs[hi] - diffs[lo]);
    };
    EXPECT_NEAR(b.auroc.low, q(0.025), 1e-12);
    EXPECT_NEAR(b.auroc.high, q(0.975), 1e-12);
    EXPECT_NEAR(b.auroc.estimate, computeMetrics(s.idA, s.oodA).auroc - computeMetrics(s.idB, s.oodB).auroc, 1e-12);
    EXPECT_LE(b.auroc.low, b.auroc.estimate);
    EXPECT_GE(b.auroc.high, b.auroc.estimate);
    EXPECT_LE(b.fpr95_id.low, b.fpr95_id.high);
}
