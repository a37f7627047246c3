// SPDX-License-Identifier: GPL-3.0-or-later
// Shared bin edges over the union of finite scores; non-finite scores counted apart.
#include "metrics/HistogramBins.h"

#include "TestSupport.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace oodlens;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::size_t sum(const std::vector<std::size_t>& v)
{
    return std::accumulate(v.begin(), v.end(), std::size_t(0));
}
} // namespace

TEST(HistogramBins, edgesSpanTheUnionOfAllSets)
{
    const std::vector<double> a{0.0, 0.5, 1.0};
    const std::vector<double> b{2.0, 3.0};
    const SharedHistogram h = computeSharedHistogram({&a, &b}, 6);
    ASSERT_EQ(h.bins(), std::size_t(6));
    ASSERT_FUZZY_EQ(h.edges.front(), 0.0);
    ASSERT_FUZZY_EQ(h.edges.back(), 3.0);
    for (std::size_t i = 1; i < h.edges.size(); ++i)
        ASSERT_TRUE(h.edges[i] > h.edges[i - 1]);
    ASSERT_EQ(h.counts.size(), std::size_t(2));
    ASSERT_EQ(h.counts[0].size(), h.bins());
    ASSERT_EQ(h.counts[1].size(), h.bins());
    // 0.5 per bin: a falls in bins 0, 1, 2; b in bins 4 and 5 (3.0 is the closed right edge).
    ASSERT_EQ(h.counts[0], (std::vector<std::size_t>{1, 1, 1, 0, 0, 0}));
    ASSERT_EQ(h.counts[1], (std::vector<std::size_t>{0, 0, 0, 0, 1, 1}));
}

TEST(HistogramBins, everyFiniteScoreLandsInExactlyOneBin)
{
    std::vector<double> a, b;
    for (int i = 0; i < 1000; ++i) {
        a.push_back(std::sin(i) * 3.0);
        b.push_back(std::cos(i * 0.37) + 2.0);
    }
    const SharedHistogram h = computeSharedHistogram({&a, &b});
    ASSERT_TRUE(h.bins() >= 10);
    ASSERT_EQ(sum(h.counts[0]), a.size());
    ASSERT_EQ(sum(h.counts[1]), b.size());
    ASSERT_EQ(h.finite[0], a.size());
    ASSERT_EQ(h.finite[1], b.size());
}

TEST(HistogramBins, maximumIsCountedInTheLastBin)
{
    const std::vector<double> a{0.0, 10.0};
    const SharedHistogram h = computeSharedHistogram({&a}, 5);
    ASSERT_EQ(h.counts[0].front(), std::size_t(1));
    ASSERT_EQ(h.counts[0].back(), std::size_t(1));
}

TEST(HistogramBins, nonFiniteScoresAreCountedApart)
{
    const std::vector<double> a{1.0, kNaN, 2.0, kInf, -kInf, kNaN};
    const std::vector<double> b{1e9 * 0 + 1.5};
    const SharedHistogram h = computeSharedHistogram({&a, &b}, 4);
    ASSERT_EQ(h.nan[0], std::size_t(2));
    ASSERT_EQ(h.posInf[0], std::size_t(1));
    ASSERT_EQ(h.negInf[0], std::size_t(1));
    ASSERT_EQ(h.nonFinite(0), std::size_t(4));
    ASSERT_EQ(h.finite[0], std::size_t(2));
    ASSERT_EQ(sum(h.counts[0]), std::size_t(2));
    ASSERT_EQ(h.nonFinite(1), std::size_t(0));
    // Infinities do not stretch the edges.
    ASSERT_FUZZY_EQ(h.edges.front(), 1.0);
    ASSERT_FUZZY_EQ(h.edges.back(), 2.0);
}

TEST(HistogramBins, identicalScoresGetOneBin)
{
    const std::vector<double> a{0.7, 0.7, 0.7};
    const SharedHistogram h = computeSharedHistogram({&a});
    ASSERT_EQ(h.bins(), std::size_t(1));
    ASSERT_TRUE(h.edges.front() < 0.7 && h.edges.back() > 0.7);
    ASSERT_EQ(h.counts[0].front(), std::size_t(3));
}

TEST(HistogramBins, noFiniteScoreGivesNoEdges)
{
    const std::vector<double> a{kNaN, kInf};
    const std::vector<double> empty;
    const SharedHistogram h = computeSharedHistogram({&a, &empty});
    ASSERT_EQ(h.bins(), std::size_t(0));
    ASSERT_TRUE(h.edges.empty());
    ASSERT_EQ(h.nan[0], std::size_t(1));
    ASSERT_EQ(h.posInf[0], std::size_t(1));
}

struct BinCountRow {
    const char* tag;
    int n;
    bool heavyTail;
};

void PrintTo(const BinCountRow& r, std::ostream* os)
{
    *os << r.tag;
}

class AutoBinCount : public ::testing::TestWithParam<BinCountRow> {};

TEST_P(AutoBinCount, autoBinCountIsClamped)
{
    const int n = GetParam().n;
    std::vector<double> v;
    for (int i = 0; i < n; ++i)
        v.push_back(double(i) / n);
    if (GetParam().heavyTail)
        v.push_back(1e6);
    const int bins = autoBinCount({&v});
    ASSERT_TRUE(bins >= 10);
    ASSERT_TRUE(bins <= 100);
}

INSTANTIATE_TEST_SUITE_P(HistogramBins, AutoBinCount,
                         ::testing::Values(BinCountRow{"few values", 20, false},
                                           BinCountRow{"many values", 100000, false},
                                           BinCountRow{"outliers", 2000, true}),
                         [](const auto& info) { return oodlens::test::paramName(info.param.tag); });

TEST(HistogramBins, narrowestSetSetsTheBinWidth)
{
    // Two well-separated sets: the union's IQR spans the gap, each set's IQR does not.
    std::vector<double> a, b;
    for (int i = 0; i < 2000; ++i) {
        a.push_back(double(i % 100) / 100.0);         // [0, 1)
        b.push_back(100.0 + double(i % 100) / 100.0); // [100, 101)
    }
    std::vector<double> both = a;
    both.insert(both.end(), b.begin(), b.end());
    ASSERT_EQ(autoBinCount({&a, &b}), 100);           // clamped: the per-set width asks for far more
    ASSERT_TRUE(autoBinCount({&both}, 1, 1000) < 20); // the union's own width: about one bin per set
    ASSERT_TRUE(freedmanDiaconisWidth(a) > 0);
    ASSERT_FUZZY_EQ(freedmanDiaconisWidth({1.0, 1.0, 1.0}), 0.0);
}
