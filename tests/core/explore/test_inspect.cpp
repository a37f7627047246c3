// SPDX-License-Identifier: GPL-3.0-or-later
// Inspection helpers (percentiles, top-k, ranks, matched thresholds, sorting and filtering,
// decompositions, disagreements) against brute-force references written from the definitions.
#include "common/Error.h"
#include "explore/Inspect.h"
#include "metrics/Metrics.h"

#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace oodlens;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Random scores on a coarse grid, so that ties are common.
std::vector<double> randomScores(std::mt19937& rng, std::size_t n, int levels = 20, bool withNaN = false)
{
    std::uniform_int_distribution<int> level(0, levels - 1);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> v(n);
    for (double& x : v)
        x = withNaN && u(rng) < 0.05 ? kNaN : level(rng) * 0.5 - 3.0;
    return v;
}

double brutePercentile(const std::vector<double>& ref, double value)
{
    double n = 0, below = 0;
    for (double r : ref) {
        if (std::isnan(r))
            continue;
        ++n;
        below += r <= value ? 1 : 0;
    }
    return below / n;
}

// Average 0-based rank among non-NaN values, divided by n - 1.
double bruteRank(const std::vector<double>& v, std::size_t i)
{
    double less = 0, equal = 0, n = 0;
    for (double x : v) {
        if (std::isnan(x))
            continue;
        ++n;
        less += x < v[i] ? 1 : 0;
        equal += x == v[i] ? 1 : 0;
    }
    return (less + (equal - 1) / 2.0) / (n - 1);
}

FeatureSet randomFeatureSet(std::mt19937& rng, std::size_t rows, int dim, int classes)
{
    std::normal_distribution<float> g(0.f, 2.f);
    FeatureSet s;
    s.rows = rows;
    s.dim = dim;
    s.classes = classes;
    s.features.resize(rows * dim);
    s.logits.resize(rows * classes);
    for (float& f : s.features)
        f = std::fabs(g(rng));
    for (float& z : s.logits)
        z = g(rng);
    s.labels.resize(rows);
    for (std::size_t r = 0; r < rows; ++r)
        s.labels[r] = static_cast<int>(r % static_cast<std::size_t>(classes));
    return s;
}

} // namespace

TEST(Inspect, percentileMatchesBruteForce)
{
    std::mt19937 rng(1);
    const std::vector<double> ref = randomScores(rng, 500, 30, true);
    const SortedScores dist(ref);
    for (double v = -4; v <= 12; v += 0.25)
        ASSERT_FUZZY_EQ(dist.percentile(v), brutePercentile(ref, v));
    ASSERT_TRUE(std::isnan(dist.percentile(kNaN)));
    ASSERT_TRUE(std::isnan(SortedScores(std::vector<double>{}).percentile(1.0)));
}

TEST(Inspect, percentileCountsTiesAsBelow)
{
    const std::vector<double> ref{1, 2, 2, 2, 3};
    ASSERT_FUZZY_EQ(percentileWithin(ref, 2.0), 0.8);
    ASSERT_FUZZY_EQ(percentileWithin(ref, 3.0), 1.0);
    ASSERT_FUZZY_EQ(percentileWithin(ref, 0.5), 0.0);
    ASSERT_FUZZY_EQ(percentileWithin({5, 5, 5}, 5.0), 1.0);
}

TEST(Inspect, topProbabilitiesMatchSoftmax)
{
    const std::vector<float> z{1.0f, 3.0f, -2.0f, 3.0f, 0.5f, 2.0f, 10.0f};
    for (double t : {1.0, 2.5}) {
        std::vector<double> p(z.size());
        double sum = 0;
        for (std::size_t c = 0; c < z.size(); ++c)
            sum += p[c] = std::exp(z[c] / t);
        for (double& x : p)
            x /= sum;
        std::vector<int> order(z.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
        const auto top = topProbabilities(z.data(), static_cast<int>(z.size()), 5, t);
        ASSERT_EQ(top.size(), std::size_t(5));
        for (int k = 0; k < 5; ++k) {
            ASSERT_EQ(top[k].cls, order[k]);
            ASSERT_TRUE(std::fabs(top[k].probability - p[order[k]]) < 1e-12);
        }
    }
    ASSERT_EQ(topProbabilities(z.data(), 3, 5).size(), std::size_t(3));
    // Ties keep the lower class first.
    const auto tied = topProbabilities(z.data(), 4, 2);
    ASSERT_EQ(tied[0].cls, 1);
    ASSERT_EQ(tied[1].cls, 3);
}

TEST(Inspect, ranksMatchBruteForce)
{
    std::mt19937 rng(2);
    const std::vector<double> a = randomScores(rng, 300, 15, true);
    const std::vector<double> b = randomScores(rng, 300, 40, true);
    const std::vector<double> ra = normalizedRanks(a);
    const std::vector<double> diff = rankDifference(a, b);
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(a[i])) {
            ASSERT_TRUE(std::isnan(ra[i]));
            ASSERT_TRUE(std::isnan(diff[i]));
            continue;
        }
        ASSERT_TRUE(std::fabs(ra[i] - bruteRank(a, i)) < 1e-12);
        if (!std::isnan(b[i])) {
            ASSERT_TRUE(std::fabs(diff[i] - (bruteRank(a, i) - bruteRank(b, i))) < 1e-12);
        }
    }
    ASSERT_FUZZY_EQ(normalizedRanks({7.0})[0], 0.5);
    ASSERT_THROW(rankDifference({1, 2}, {1}), Error);
}

TEST(Inspect, thresholdAtTprMatchesMetrics)
{
    std::mt19937 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        const std::vector<double> id = randomScores(rng, 50 + trial * 13, 10 + trial);
        const std::vector<double> ood = randomScores(rng, 80, 12);
        ASSERT_FUZZY_EQ(thresholdAtIdTpr(id, 0.95), computeMetrics(id, ood).threshold95);
        // Brute force at another TPR: the highest ID value accepting at least that fraction.
        double best = -std::numeric_limits<double>::infinity();
        for (double t : id) {
            const double accepted =
                double(std::count_if(id.begin(), id.end(), [t](double s) { return s >= t; })) / id.size();
            if (accepted >= 0.8)
                best = std::max(best, t);
        }
        ASSERT_FUZZY_EQ(thresholdAtIdTpr(id, 0.8), best);
    }
    ASSERT_THROW(thresholdAtIdTpr({kNaN}, 0.95), Error);
}

struct SelectionRow {
    const char* tag;
    bool ascending;
    int trueClass;
    int predictedClass;
    int flag;
    bool restrict;
};

void PrintTo(const SelectionRow& r, std::ostream* os)
{
    *os << r.tag;
}

class InspectSelection : public ::testing::TestWithParam<SelectionRow> {};

INSTANTIATE_TEST_SUITE_P(Inspect, InspectSelection,
                         ::testing::Values(SelectionRow{"all, descending", false, -1, -1, 0, false},
                                           SelectionRow{"all, ascending", true, -1, -1, 0, false},
                                           SelectionRow{"true class 2", false, 2, -1, 0, false},
                                           SelectionRow{"predicted 1, flagged", true, -1, 1, 1, false},
                                           SelectionRow{"accepted", false, -1, -1, 2, false},
                                           SelectionRow{"selection only", true, -1, -1, 0, true},
                                           SelectionRow{"class 0, selection, accepted", true, 0, -1, 2, true}),
                         [](const auto& info) { return oodlens::test::paramName(info.param.tag); });

TEST_P(InspectSelection, selectionSortsAndFilters)
{
    const SelectionRow& row = GetParam();
    const bool ascending = row.ascending, restrict = row.restrict;
    const int trueClass = row.trueClass, predictedClass = row.predictedClass, flag = row.flag;
    std::mt19937 rng(4);
    std::vector<std::vector<double>> sortS, flagS;
    std::vector<std::vector<int>> labels, preds;
    for (std::size_t n : {120u, 90u}) {
        sortS.push_back(randomScores(rng, n, 25, true));
        flagS.push_back(randomScores(rng, n, 25, true));
        std::vector<int> l(n), p(n);
        for (std::size_t i = 0; i < n; ++i) {
            l[i] = static_cast<int>(rng() % 4);
            p[i] = static_cast<int>(rng() % 4);
        }
        labels.push_back(l);
        preds.push_back(p);
    }
    ImageFilter f;
    f.trueClass = trueClass;
    f.predictedClass = predictedClass;
    f.flag = static_cast<FlagFilter>(flag);
    f.threshold = 0.5;
    f.restrict = restrict;
    for (std::size_t r = 0; r < 90; r += 3)
        f.only.push_back({r % 2, r});
    std::vector<ImageColumns> cols;
    for (std::size_t d = 0; d < 2; ++d)
        cols.push_back({d, &sortS[d], &flagS[d], &labels[d], &preds[d]});
    const std::vector<ImageIndex> got = selectImages(cols, f, ascending);

    // Brute force: every image passing every filter, then check order pairwise.
    std::vector<ImageIndex> expected;
    for (std::size_t d = 0; d < 2; ++d)
        for (std::size_t r = 0; r < sortS[d].size(); ++r) {
            if (trueClass >= 0 && labels[d][r] != trueClass)
                continue;
            if (predictedClass >= 0 && preds[d][r] != predictedClass)
                continue;
            const bool flagged = std::isnan(flagS[d][r]) || flagS[d][r] < 0.5;
            if ((flag == 1 && !flagged) || (flag == 2 && flagged))
                continue;
            if (restrict && std::find(f.only.begin(), f.only.end(), ImageIndex{d, r}) == f.only.end())
                continue;
            expected.push_back({d, r});
        }
    std::vector<ImageIndex> sortedGot = got;
    std::sort(sortedGot.begin(), sortedGot.end());
    ASSERT_EQ(sortedGot.size(), expected.size());
    ASSERT_TRUE(sortedGot == expected);
    for (std::size_t i = 1; i < got.size(); ++i) {
        const double a = sortS[got[i - 1].dataset][got[i - 1].row];
        const double b = sortS[got[i].dataset][got[i].row];
        if (std::isnan(a)) {
            ASSERT_TRUE(std::isnan(b)); // NaN only at the end
            continue;
        }
        if (!std::isnan(b)) {
            ASSERT_TRUE(ascending ? a <= b : a >= b);
        }
    }
}

class InspectDecomposition : public ::testing::TestWithParam<const char*> {};

INSTANTIATE_TEST_SUITE_P(Inspect, InspectDecomposition,
                         ::testing::Values("gradnorm", "exgrad", "l1_x_msp", "l2_x_energy"),
                         [](const auto& info) { return oodlens::test::paramName(info.param); });

TEST_P(InspectDecomposition, decompositionFactorsMultiplyToScore)
{
    const std::string m = GetParam();
    std::mt19937 rng(5);
    const FeatureSet id = randomFeatureSet(rng, 200, 16, 6);
    const FeatureSet ood = randomFeatureSet(rng, 50, 16, 6);
    ScoreParams params;
    params.set("T", 2.0);
    ASSERT_TRUE(isDecomposable(m));
    const DecompositionReference ref(m, id, Head{}, params);
    const std::vector<double> scores = computeScores(m, ood, Head{}, params);
    std::vector<double> idFeature, idOutput;
    for (std::size_t r = 0; r < id.rows; ++r) {
        const Decomposition d = decompose(m, id, Head{}, params, r);
        idFeature.push_back(d.featureTerm);
        idOutput.push_back(d.outputTerm);
    }
    for (std::size_t r = 0; r < ood.rows; ++r) {
        const FactorPercentiles p = ref.locate(ood, r);
        ASSERT_TRUE(std::fabs(p.score - scores[r]) <= 1e-9 * std::max(1.0, std::fabs(scores[r])))
            << p.score << " vs " << scores[r];
        ASSERT_FUZZY_EQ(p.featurePercentile, brutePercentile(idFeature, p.value.featureTerm));
        ASSERT_FUZZY_EQ(p.outputPercentile, brutePercentile(idOutput, p.value.outputTerm));
    }
}

TEST(Inspect, nonProductsAreNotDecomposable)
{
    ASSERT_TRUE(!isDecomposable("mahalanobis"));
    ASSERT_TRUE(!isDecomposable("feature_l1")); // a single factor
    ASSERT_TRUE(!isDecomposable("gradterm"));
    ASSERT_TRUE(!isDecomposable("no_such_method"));
}

TEST(Inspect, disagreementsMatchBruteForce)
{
    std::mt19937 rng(6);
    std::vector<std::vector<double>> a{randomScores(rng, 100, 30), randomScores(rng, 70, 30, true)};
    std::vector<std::vector<double>> b{randomScores(rng, 100, 30), randomScores(rng, 70, 30, true)};
    for (bool conflictOnly : {false, true}) {
        const DisagreementReport rep = findDisagreements(a, b, 0, 0.9, conflictOnly, 0);
        ASSERT_FUZZY_EQ(rep.thresholdA, thresholdAtIdTpr(a[0], 0.9));
        ASSERT_FUZZY_EQ(rep.thresholdB, thresholdAtIdTpr(b[0], 0.9));
        std::vector<double> pa, pb;
        for (std::size_t d = 0; d < 2; ++d) {
            pa.insert(pa.end(), a[d].begin(), a[d].end());
            pb.insert(pb.end(), b[d].begin(), b[d].end());
        }
        std::size_t expectedRows = 0;
        for (std::size_t d = 0, i = 0; d < 2; ++d)
            for (std::size_t r = 0; r < a[d].size(); ++r, ++i) {
                const bool fa = std::isnan(a[d][r]) || a[d][r] < rep.thresholdA;
                const bool fb = std::isnan(b[d][r]) || b[d][r] < rep.thresholdB;
                expectedRows += !conflictOnly || fa != fb ? 1 : 0;
            }
        ASSERT_EQ(rep.rows.size(), expectedRows);
        double previous = 2;
        for (const Disagreement& x : rep.rows) {
            const std::size_t i = x.image.dataset * 100 + x.image.row;
            ASSERT_FUZZY_EQ(x.scoreA, pa[i]);
            if (conflictOnly) {
                ASSERT_TRUE(x.flaggedA != x.flaggedB);
            }
            if (std::isnan(x.rankDiff)) {
                previous = -1;
                continue;
            }
            ASSERT_TRUE(std::fabs(x.rankDiff - (bruteRank(pa, i) - bruteRank(pb, i))) < 1e-12);
            ASSERT_TRUE(std::fabs(x.rankDiff) <= previous);
            previous = std::fabs(x.rankDiff);
        }
    }
    const DisagreementReport top = findDisagreements(a, b, 0, 0.95, false, 10);
    ASSERT_EQ(top.rows.size(), std::size_t(10));
    const DisagreementReport all = findDisagreements(a, b, 0, 0.95, false, 0);
    for (std::size_t i = 0; i < 10; ++i)
        ASSERT_TRUE(top.rows[i].image == all.rows[i].image);
}
