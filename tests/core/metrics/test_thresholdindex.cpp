// SPDX-License-Identifier: GPL-3.0-or-later
// The sorted-score index answers threshold questions exactly as core does (rates equal
// oodlens::operatingPoint, NaN left out of rates and counted as flagged); the presets come from
// core's metrics and ROC; curve thinning keeps the ends and the budget.
#include "metrics/CurveDecimation.h"
#include "metrics/Metrics.h"
#include "metrics/ThresholdIndex.h"
#include "metrics/ThresholdPresets.h"

#include "TestSupport.h"

#include <cmath>
#include <limits>
#include <random>

using namespace oodlens;

namespace {

RunResult makeResult(std::vector<double> id, std::vector<double> ood)
{
    RunResult r;
    DatasetSummary a, b;
    a.name = "id-set";
    a.role = DatasetRole::Id;
    b.name = "ood-set";
    b.role = DatasetRole::Ood;
    r.datasets = {a, b};
    r.idIndex = 0;
    r.oodIndices = {1};
    r.methods = {"energy"};
    std::vector<double> idFinite, oodFinite;
    MetricsRow row;
    row.method = "energy";
    row.ood = "ood-set";
    row.metrics = computeMetrics(id, ood);
    r.metrics = {row};
    r.scores["energy"] = {std::move(id), std::move(ood)};
    return r;
}

} // namespace

class RatesAtThreshold : public ::testing::TestWithParam<double> {};

INSTANTIATE_TEST_SUITE_P(ThresholdIndex, RatesAtThreshold,
                         ::testing::Values(-10.0, -0.5, 0.0, 0.3, 1.0, 1.7, 2.0, 10.0), [](const auto& info) {
                             const std::string t = std::to_string(std::abs(info.param));
                             return (info.param < 0 ? "minus_" : "") + oodlens::test::paramName(t);
                         });

TEST_P(RatesAtThreshold, ratesEqualCoreOperatingPoint)
{
    const double threshold = GetParam();
    std::mt19937 rng(7);
    std::normal_distribution<double> a(1.0, 1.0), b(0.0, 1.0);
    std::vector<double> id(997), ood(1301);
    for (double& v : id)
        v = std::round(a(rng) * 10) / 10; // ties on purpose
    for (double& v : ood)
        v = std::round(b(rng) * 10) / 10;
    const RunResult r = makeResult(id, ood);
    const ThresholdIndex index(r, "energy");
    const OperatingPoint expected = operatingPoint(id, ood, threshold);
    const OperatingPoint got = index.operatingPoint(0, 1, threshold);
    ASSERT_FUZZY_EQ(got.tpr_id, expected.tpr_id);
    ASSERT_FUZZY_EQ(got.fpr_id, expected.fpr_id);
    ASSERT_FUZZY_EQ(got.tpr_ood, expected.tpr_ood);
    ASSERT_FUZZY_EQ(got.fpr_ood, expected.fpr_ood);
    std::size_t accepted = 0;
    for (double v : id)
        accepted += v >= threshold;
    ASSERT_EQ(index.accepted(0, threshold), accepted);
    ASSERT_EQ(index.flagged(0, threshold), id.size() - accepted);
}

TEST(ThresholdIndex, nanIsFlaggedAndLeftOutOfRates)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const RunResult r = makeResult({1, 2, nan, 3}, {0, nan, 1});
    const ThresholdIndex index(r, "energy");
    ASSERT_EQ(index.total(0), std::size_t(4));
    ASSERT_EQ(index.usable(0), std::size_t(3));
    ASSERT_EQ(index.accepted(0, 2.0), std::size_t(2));
    ASSERT_EQ(index.flagged(0, 2.0), std::size_t(2)); // one below, one NaN
    ASSERT_FUZZY_EQ(index.operatingPoint(0, 1, 2.0).tpr_id, 2.0 / 3.0);
    ASSERT_FUZZY_EQ(index.operatingPoint(0, 1, 2.0).fpr_id, operatingPoint({1, 2, nan, 3}, {0, nan, 1}, 2.0).fpr_id);
}

TEST(ThresholdIndex, acceptanceThresholdKeepsTheShare)
{
    std::vector<double> id;
    for (int i = 0; i < 100; ++i)
        id.push_back(i);
    const RunResult r = makeResult(id, {0.5});
    const ThresholdIndex index(r, "energy");
    for (double share : {0.0, 0.01, 0.5, 0.95, 1.0}) {
        const double t = index.thresholdForAcceptance(0, share);
        const double got = double(index.accepted(0, t)) / 100.0;
        ASSERT_TRUE(got >= share - 1e-12) << share;
        ASSERT_TRUE(got <= share + 0.01 + 1e-12);
    }
}

TEST(ThresholdIndex, presetsComeFromCore)
{
    std::vector<double> id, ood;
    for (int i = 0; i < 200; ++i) {
        id.push_back(1.0 + i * 0.01);
        ood.push_back(i * 0.01);
    }
    const RunResult r = makeResult(id, ood);
    ASSERT_FUZZY_EQ(thresholdAtIdTpr95(r, "energy"), computeMetrics(id, ood).threshold95);
    const double t5 = thresholdAtFpr(r, "energy", 0.05);
    ASSERT_TRUE(operatingPoint(id, ood, t5).fpr_id <= 0.05);
    const double j = thresholdYouden(r, "energy");
    const OperatingPoint best = operatingPoint(id, ood, j);
    for (double t : {0.5, 1.0, 1.5, 2.0})
        ASSERT_TRUE(best.tpr_id - best.fpr_id >= operatingPoint(id, ood, t).tpr_id - operatingPoint(id, ood, t).fpr_id);
    ASSERT_TRUE(std::isnan(thresholdAtIdTpr95(r, "no_such_method")));
}

TEST(ThresholdIndex, decimationKeepsEndsAndBudget)
{
    std::vector<double> x, y;
    for (int i = 0; i <= 100000; ++i) {
        x.push_back(i / 100000.0);
        y.push_back(std::sqrt(i / 100000.0));
    }
    const DrawnCurve d = decimateCurve(x, y, 2500);
    ASSERT_TRUE(d.decimated());
    ASSERT_EQ(d.total, x.size());
    ASSERT_TRUE(d.x.size() <= 2500);
    ASSERT_TRUE(d.x.size() > 100);
    ASSERT_FUZZY_EQ(d.x.front(), 0.0);
    ASSERT_FUZZY_EQ(d.x.back(), 1.0);
    ASSERT_FUZZY_EQ(d.y.back(), 1.0);
    const DrawnCurve small = decimateCurve({0, 1}, {0, 1}, 2500);
    ASSERT_TRUE(!small.decimated());
}
