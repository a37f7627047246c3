// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a ROC / PR curve under the pointer: the nearest point and its threshold and rates agree
// with a brute-force search that counts the raw scores at every candidate threshold, and the
// reader's points are exactly core's rocCurve / prCurve points.
#include "metrics/CurveReading.h"
#include "metrics/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace oodlens;

namespace {

struct Brute {
    double threshold, tpr, fpr, precision;
};

// Every threshold that changes what is accepted (each distinct non-NaN score), plus one that
// accepts nothing, with rates counted from the raw scores.
std::vector<Brute> bruteForce(const std::vector<double>& id, const std::vector<double>& ood)
{
    std::set<double, std::greater<>> distinct;
    for (double s : id)
        if (!std::isnan(s))
            distinct.insert(s);
    for (double s : ood)
        if (!std::isnan(s))
            distinct.insert(s);
    auto rates = [&](double t) {
        double nId = 0, nOod = 0, aId = 0, aOod = 0;
        for (double s : id)
            if (!std::isnan(s)) {
                ++nId;
                aId += s >= t;
            }
        for (double s : ood)
            if (!std::isnan(s)) {
                ++nOod;
                aOod += s >= t;
            }
        return Brute{t, aId / nId, aOod / nOod, aId + aOod > 0 ? aId / (aId + aOod) : 1.0};
    };
    std::vector<Brute> out{Brute{std::numeric_limits<double>::infinity(), 0, 0, 1}};
    for (double t : distinct)
        out.push_back(rates(t));
    return out;
}

std::vector<double> noisy(std::mt19937& rng, std::size_t n, double mean, bool withNan)
{
    std::normal_distribution<double> d(mean, 1.0);
    std::vector<double> v(n);
    for (double& x : v)
        x = std::round(d(rng) * 8) / 8; // ties on purpose
    if (withNan)
        for (std::size_t k = 0; k < n; k += 37)
            v[k] = std::numeric_limits<double>::quiet_NaN();
    return v;
}

} // namespace

TEST(CurveReader, pointsAreCoreRocAndPrPoints)
{
    std::mt19937 rng(3);
    const std::vector<double> id = noisy(rng, 400, 1.0, true), ood = noisy(rng, 300, 0.0, true);
    const CurveReader reader{SortedScores(id), SortedScores(ood)};
    const RocCurve roc = rocCurve(id, ood);
    const PrCurve pr = prCurve(id, ood, true);
    ASSERT_EQ(reader.points().size(), roc.fpr.size());
    ASSERT_EQ(reader.points().size(), pr.recall.size() + 1);
    for (std::size_t k = 0; k < roc.fpr.size(); ++k) {
        const CurveReader::Point& p = reader.points()[k];
        EXPECT_DOUBLE_EQ(p.fpr, roc.fpr[k]) << k;
        EXPECT_DOUBLE_EQ(p.tpr, roc.tpr[k]) << k;
        if (k > 0) {
            EXPECT_EQ(p.threshold, roc.threshold[k]) << k;
            EXPECT_DOUBLE_EQ(p.tpr, pr.recall[k - 1]) << k;
            EXPECT_DOUBLE_EQ(p.precision, pr.precision[k - 1]) << k;
        }
    }
    // The first point accepts nothing, and its threshold really does.
    const double top = reader.points().front().threshold;
    for (double s : id)
        EXPECT_FALSE(s >= top);
    for (double s : ood)
        EXPECT_FALSE(s >= top);
}

TEST(CurveReader, nearestMatchesBruteForce)
{
    std::mt19937 rng(11);
    const std::vector<double> id = noisy(rng, 500, 1.2, true), ood = noisy(rng, 350, 0.0, true);
    const CurveReader reader{SortedScores(id), SortedScores(ood)};
    const std::vector<Brute> brute = bruteForce(id, ood);
    std::uniform_real_distribution<double> u(-0.05, 1.05), scale(50, 900);
    for (CurveKind kind : {CurveKind::Roc, CurveKind::Pr}) {
        for (int q = 0; q < 300; ++q) {
            const double x = u(rng), y = u(rng), sx = scale(rng), sy = scale(rng);
            double best = std::numeric_limits<double>::infinity();
            for (std::size_t k = kind == CurveKind::Pr ? 1 : 0; k < brute.size(); ++k) {
                const double bx = kind == CurveKind::Roc ? brute[k].fpr : brute[k].tpr;
                const double by = kind == CurveKind::Roc ? brute[k].tpr : brute[k].precision;
                best = std::min(best, std::hypot((bx - x) * sx, (by - y) * sy));
            }
            const CurveReading r = reader.nearest(kind, x, y, sx, sy);
            ASSERT_TRUE(r.valid);
            EXPECT_NEAR(r.distance, best, 1e-9) << "query " << x << ", " << y;
            // The rates read are the ones the raw scores give at the threshold read.
            if (r.index == 0) {
                EXPECT_EQ(kind, CurveKind::Roc);
                EXPECT_EQ(r.tpr, 0.0);
                EXPECT_EQ(r.fpr, 0.0);
                continue;
            }
            const Brute* at = nullptr;
            for (const Brute& b : brute)
                if (b.threshold == r.threshold)
                    at = &b;
            ASSERT_NE(at, nullptr) << "threshold " << r.threshold << " is no score";
            EXPECT_DOUBLE_EQ(r.tpr, at->tpr);
            EXPECT_DOUBLE_EQ(r.fpr, at->fpr);
            EXPECT_DOUBLE_EQ(r.precision, at->precision);
            const double rx = kind == CurveKind::Roc ? r.fpr : r.tpr, ry = kind == CurveKind::Roc ? r.tpr : r.precision;
            EXPECT_NEAR(std::hypot((rx - x) * sx, (ry - y) * sy), r.distance, 1e-9);
        }
    }
}

TEST(CurveReader, scalesDecideWhichPointIsNearest)
{
    // ID {1, 2}, OOD {0, 1.5}: ROC points (0,0) t=+, (0,.5) t=2, (.5,.5) t=1.5, (.5,1) t=1, (1,1) t=0.
    const CurveReader reader{SortedScores({1.0, 2.0}), SortedScores({0.0, 1.5})};
    ASSERT_EQ(reader.points().size(), 5u);
    // Unscaled: plain Euclidean distance in rates.
    EXPECT_EQ(reader.nearest(CurveKind::Roc, 0.05, 0.45, 1, 1).threshold, 2.0);
    EXPECT_EQ(reader.nearest(CurveKind::Roc, 0.3, 0.6, 1, 1).threshold, 1.5);
    // Squeezing x 100-fold makes the y distance decide: (.3, .6) is then nearest (0, .5) or (.5, .5)
    // by y (both 0.1 off), the first (higher threshold) winning the tie.
    EXPECT_EQ(reader.nearest(CurveKind::Roc, 0.3, 0.6, 0.0, 1).threshold, 2.0);
    // Squeezing y makes x decide: x = 0.9 is nearest (1, 1).
    EXPECT_EQ(reader.nearest(CurveKind::Roc, 0.9, 0.0, 1, 0.0).threshold, 0.0);
    // Exactly on a point: distance 0.
    const CurveReading on = reader.nearest(CurveKind::Roc, 0.5, 1.0, 300, 200);
    EXPECT_EQ(on.threshold, 1.0);
    EXPECT_EQ(on.distance, 0.0);
    EXPECT_DOUBLE_EQ(on.precision, 2.0 / 3.0);
    // The PR curve never reads the "accept nothing" point.
    EXPECT_GT(reader.nearest(CurveKind::Pr, 0.0, 1.0).index, 0u);
}

TEST(CurveReader, emptySidesGiveNoReading)
{
    EXPECT_FALSE(CurveReader(SortedScores(std::vector<double>{}), SortedScores({1.0})).nearest(CurveKind::Roc, 0.5, 0.5).valid);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(CurveReader(SortedScores({nan}), SortedScores({1.0})).nearest(CurveKind::Pr, 0.5, 0.5).valid);
    EXPECT_FALSE(CurveReader(SortedScores({1.0}), SortedScores({0.0})).nearest(CurveKind::Roc, nan, 0.5).valid);
}
