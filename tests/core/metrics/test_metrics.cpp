// SPDX-License-Identifier: GPL-3.0-or-later
// Metrics against brute-force references written from the definitions, on random data with ties.
#include "common/Error.h"
#include "metrics/Metrics.h"

#include "TestSupport.h"

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace oodlens;

namespace {

// P(id > ood) + 1/2 P(tie) by counting every pair.
double bruteAuroc(const std::vector<double>& id, const std::vector<double>& ood)
{
    double wins = 0;
    for (double a : id)
        for (double b : ood)
            wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    return wins / (double(id.size()) * ood.size());
}

double fractionAtLeast(const std::vector<double>& v, double t)
{
    return double(std::count_if(v.begin(), v.end(), [t](double s) { return s >= t; })) / v.size();
}
double fractionAtMost(const std::vector<double>& v, double t)
{
    return double(std::count_if(v.begin(), v.end(), [t](double s) { return s <= t; })) / v.size();
}

std::set<double> thresholds(const std::vector<double>& a, const std::vector<double>& b)
{
    std::set<double> t(a.begin(), a.end());
    t.insert(b.begin(), b.end());
    return t;
}

// ID positive: scan thresholds from the highest down; the first where >= 95% of ID is accepted.
double bruteFpr95Id(const std::vector<double>& id, const std::vector<double>& ood)
{
    const auto ts = thresholds(id, ood);
    for (auto it = ts.rbegin(); it != ts.rend(); ++it)
        if (fractionAtLeast(id, *it) >= 0.95)
            return fractionAtLeast(ood, *it);
    return 1.0;
}

// OOD positive: scan thresholds from the lowest up; the first where >= 95% of OOD is flagged.
double bruteFpr95Ood(const std::vector<double>& id, const std::vector<double>& ood)
{
    for (double t : thresholds(id, ood))
        if (fractionAtMost(ood, t) >= 0.95)
            return fractionAtMost(id, t);
    return 1.0;
}

// Average precision: sum over thresholds of (recall step) x precision, positives = `pos`.
double bruteAp(const std::vector<double>& pos, const std::vector<double>& neg)
{
    const auto ts = thresholds(pos, neg);
    double ap = 0, prevRecall = 0;
    for (auto it = ts.rbegin(); it != ts.rend(); ++it) {
        const double tp = fractionAtLeast(pos, *it) * pos.size();
        const double fp = fractionAtLeast(neg, *it) * neg.size();
        const double recall = tp / pos.size();
        if (tp > 0)
            ap += (recall - prevRecall) * tp / (tp + fp);
        prevRecall = recall;
    }
    return ap;
}

std::vector<double> negated(std::vector<double> v)
{
    for (double& x : v)
        x = -x;
    return v;
}

double bruteBalancedAcc(const std::vector<double>& id, const std::vector<double>& ood)
{
    double best = 0.5;
    for (double t : thresholds(id, ood))
        best = std::max(best, 0.5 * (fractionAtLeast(id, t) + 1.0 - fractionAtLeast(ood, t)));
    return best;
}

// Scores rounded to a coarse grid so that ties are frequent, within and across the two sets.
std::vector<double> sample(std::mt19937& rng, std::size_t n, double shift, double grid)
{
    std::normal_distribution<double> normal(shift, 1.0);
    std::vector<double> v(n);
    for (double& x : v)
        x = std::round(normal(rng) / grid) * grid;
    return v;
}

} // namespace

struct TiesRow {
    const char* tag;
    int seed;
    int nId;
    int nOod;
    double shift;
    double grid;
};

void PrintTo(const TiesRow& r, std::ostream* os)
{
    *os << r.tag;
}

class MetricsWithTies : public ::testing::TestWithParam<TiesRow> {};

INSTANTIATE_TEST_SUITE_P(
    Metrics, MetricsWithTies,
    ::testing::Values(TiesRow{"heavy ties", 1, 300, 200, 1.0, 0.5}, TiesRow{"light ties", 2, 257, 411, 0.7, 0.01},
                      TiesRow{"no separation", 3, 100, 100, 0.0, 0.25}, TiesRow{"reversed", 4, 150, 90, -1.5, 0.2},
                      TiesRow{"tiny", 5, 7, 3, 0.5, 1.0}, TiesRow{"all tied", 6, 20, 30, 0.0, 1000.0}),
    [](const auto& info) { return oodlens::test::paramName(info.param.tag); });

TEST_P(MetricsWithTies, matchesBruteForceWithTies)
{
    const auto [tag, seed, nId, nOod, shift, grid] = GetParam();
    std::mt19937 rng(seed);
    const auto id = sample(rng, nId, shift, grid);
    const auto ood = sample(rng, nOod, 0.0, grid);
    const BinaryMetrics m = computeMetrics(id, ood);
    ASSERT_TRUE(std::abs(m.auroc - bruteAuroc(id, ood)) < 1e-12);
    ASSERT_TRUE(std::abs(m.fpr95_id - bruteFpr95Id(id, ood)) < 1e-12);
    ASSERT_TRUE(std::abs(m.fpr95_ood - bruteFpr95Ood(id, ood)) < 1e-12);
    ASSERT_TRUE(std::abs(m.aupr_in - bruteAp(id, ood)) < 1e-12);
    ASSERT_TRUE(std::abs(m.aupr_out - bruteAp(negated(ood), negated(id))) < 1e-12);
    ASSERT_TRUE(std::abs(m.detection_acc - bruteBalancedAcc(id, ood)) < 1e-12);
    ASSERT_EQ(m.n_id, std::size_t(nId));
    ASSERT_EQ(m.n_ood, std::size_t(nOod));
    // threshold95 is the operating point of fpr95_id.
    const OperatingPoint op = operatingPoint(id, ood, m.threshold95);
    ASSERT_TRUE(op.tpr_id >= 0.95);
    ASSERT_TRUE(std::abs(op.fpr_id - m.fpr95_id) < 1e-12);
}

TEST(Metrics, handCheckedBothFprConventions)
{
    // ID: 20 scores 1..20; OOD: 10 scores 0.5, 1.5, ..., 9.5 plus 5 at 19.
    std::vector<double> id, ood;
    for (int i = 1; i <= 20; ++i)
        id.push_back(i);
    for (int i = 0; i < 10; ++i)
        ood.push_back(i + 0.5);
    for (int i = 0; i < 5; ++i)
        ood.push_back(19);
    const BinaryMetrics m = computeMetrics(id, ood);
    // 95% of 20 ID = 19 accepted: threshold 2; OOD >= 2: 2.5..9.5 (8) + five 19s = 13 of 15.
    ASSERT_FUZZY_EQ(m.threshold95, 2.0);
    ASSERT_TRUE(std::abs(m.fpr95_id - 13.0 / 15.0) < 1e-15);
    // 95% of 15 OOD = 14.25, so 15 must be flagged: threshold 19; ID <= 19: 19 of 20.
    ASSERT_TRUE(std::abs(m.fpr95_ood - 19.0 / 20.0) < 1e-15);
}

TEST(Metrics, perfectSeparation)
{
    const BinaryMetrics m = computeMetrics({3, 4, 5}, {0, 1, 2});
    ASSERT_FUZZY_EQ(m.auroc, 1.0);
    ASSERT_FUZZY_EQ(m.fpr95_id, 0.0);
    ASSERT_FUZZY_EQ(m.fpr95_ood, 0.0);
    ASSERT_FUZZY_EQ(m.aupr_in, 1.0);
    ASSERT_FUZZY_EQ(m.aupr_out, 1.0);
    ASSERT_FUZZY_EQ(m.detection_acc, 1.0);
}

TEST(Metrics, nanIsCountedAndLeftOut)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const BinaryMetrics withNan = computeMetrics({3, nan, 4, 5, inf}, {0, 1, nan, 2});
    const BinaryMetrics clean = computeMetrics({3, 4, 5, inf}, {0, 1, 2});
    ASSERT_EQ(withNan.nan_id, std::size_t(1));
    ASSERT_EQ(withNan.nan_ood, std::size_t(1));
    ASSERT_EQ(withNan.inf_id, std::size_t(1));
    ASSERT_EQ(withNan.n_id, std::size_t(4));
    ASSERT_FUZZY_EQ(withNan.auroc, clean.auroc);
    ASSERT_FUZZY_EQ(withNan.fpr95_id, clean.fpr95_id);
    ASSERT_FUZZY_EQ(withNan.aupr_out, clean.aupr_out);
    const RocCurve roc = rocCurve({1, nan, 2}, {0, nan});
    for (double v : roc.fpr)
        ASSERT_TRUE(std::isfinite(v));
    for (double v : roc.tpr)
        ASSERT_TRUE(std::isfinite(v));
}

TEST(Metrics, allNanIsAnError)
{
    ASSERT_THROW(computeMetrics({std::nan("")}, {1.0}), Error);
}

TEST(Metrics, rocCurveMatchesRatesAtEachThreshold)
{
    std::mt19937 rng(9);
    const auto id = sample(rng, 120, 1.0, 0.3), ood = sample(rng, 80, 0.0, 0.3);
    const RocCurve c = rocCurve(id, ood);
    ASSERT_FUZZY_EQ(c.fpr.front(), 0.0);
    ASSERT_FUZZY_EQ(c.tpr.front(), 0.0);
    ASSERT_FUZZY_EQ(c.fpr.back(), 1.0);
    ASSERT_FUZZY_EQ(c.tpr.back(), 1.0);
    ASSERT_EQ(c.fpr.size(), thresholds(id, ood).size() + 1);
    double area = 0;
    for (std::size_t i = 1; i < c.fpr.size(); ++i) {
        ASSERT_FUZZY_EQ(c.tpr[i], fractionAtLeast(id, c.threshold[i]));
        ASSERT_FUZZY_EQ(c.fpr[i], fractionAtLeast(ood, c.threshold[i]));
        area += (c.fpr[i] - c.fpr[i - 1]) * (c.tpr[i] + c.tpr[i - 1]) / 2;
    }
    ASSERT_TRUE(std::abs(area - bruteAuroc(id, ood)) < 1e-12);
}

TEST(Metrics, prCurveAveragePrecisionMatches)
{
    std::mt19937 rng(11);
    const auto id = sample(rng, 90, 0.8, 0.2), ood = sample(rng, 60, 0.0, 0.2);
    for (bool idPositive : {true, false}) {
        const PrCurve c = prCurve(id, ood, idPositive);
        double ap = 0, prev = 0;
        for (std::size_t i = 0; i < c.recall.size(); ++i) {
            ap += (c.recall[i] - prev) * c.precision[i];
            prev = c.recall[i];
        }
        const BinaryMetrics m = computeMetrics(id, ood);
        ASSERT_TRUE(std::abs(ap - (idPositive ? m.aupr_in : m.aupr_out)) < 1e-12);
        ASSERT_FUZZY_EQ(c.recall.back(), 1.0);
    }
}
