// SPDX-License-Identifier: GPL-3.0-or-later
// Shared bin edges over the union of finite scores; non-finite scores counted apart.
#include "metrics/HistogramBins.h"

#include <QtTest>

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

class TestHistogramBins : public QObject {
    Q_OBJECT

private slots:
    void edgesSpanTheUnionOfAllSets();
    void everyFiniteScoreLandsInExactlyOneBin();
    void maximumIsCountedInTheLastBin();
    void nonFiniteScoresAreCountedApart();
    void identicalScoresGetOneBin();
    void noFiniteScoreGivesNoEdges();
    void autoBinCountIsClamped_data();
    void autoBinCountIsClamped();
    void narrowestSetSetsTheBinWidth();
};

void TestHistogramBins::edgesSpanTheUnionOfAllSets()
{
    const std::vector<double> a{0.0, 0.5, 1.0};
    const std::vector<double> b{2.0, 3.0};
    const SharedHistogram h = computeSharedHistogram({&a, &b}, 6);
    QCOMPARE(h.bins(), std::size_t(6));
    QCOMPARE(h.edges.front(), 0.0);
    QCOMPARE(h.edges.back(), 3.0);
    for (std::size_t i = 1; i < h.edges.size(); ++i)
        QVERIFY(h.edges[i] > h.edges[i - 1]);
    QCOMPARE(h.counts.size(), std::size_t(2));
    QCOMPARE(h.counts[0].size(), h.bins());
    QCOMPARE(h.counts[1].size(), h.bins());
    // 0.5 per bin: a falls in bins 0, 1, 2; b in bins 4 and 5 (3.0 is the closed right edge).
    QCOMPARE(h.counts[0], (std::vector<std::size_t>{1, 1, 1, 0, 0, 0}));
    QCOMPARE(h.counts[1], (std::vector<std::size_t>{0, 0, 0, 0, 1, 1}));
}

void TestHistogramBins::everyFiniteScoreLandsInExactlyOneBin()
{
    std::vector<double> a, b;
    for (int i = 0; i < 1000; ++i) {
        a.push_back(std::sin(i) * 3.0);
        b.push_back(std::cos(i * 0.37) + 2.0);
    }
    const SharedHistogram h = computeSharedHistogram({&a, &b});
    QVERIFY(h.bins() >= 10);
    QCOMPARE(sum(h.counts[0]), a.size());
    QCOMPARE(sum(h.counts[1]), b.size());
    QCOMPARE(h.finite[0], a.size());
    QCOMPARE(h.finite[1], b.size());
}

void TestHistogramBins::maximumIsCountedInTheLastBin()
{
    const std::vector<double> a{0.0, 10.0};
    const SharedHistogram h = computeSharedHistogram({&a}, 5);
    QCOMPARE(h.counts[0].front(), std::size_t(1));
    QCOMPARE(h.counts[0].back(), std::size_t(1));
}

void TestHistogramBins::nonFiniteScoresAreCountedApart()
{
    const std::vector<double> a{1.0, kNaN, 2.0, kInf, -kInf, kNaN};
    const std::vector<double> b{1e9 * 0 + 1.5};
    const SharedHistogram h = computeSharedHistogram({&a, &b}, 4);
    QCOMPARE(h.nan[0], std::size_t(2));
    QCOMPARE(h.posInf[0], std::size_t(1));
    QCOMPARE(h.negInf[0], std::size_t(1));
    QCOMPARE(h.nonFinite(0), std::size_t(4));
    QCOMPARE(h.finite[0], std::size_t(2));
    QCOMPARE(sum(h.counts[0]), std::size_t(2));
    QCOMPARE(h.nonFinite(1), std::size_t(0));
    // Infinities do not stretch the edges.
    QCOMPARE(h.edges.front(), 1.0);
    QCOMPARE(h.edges.back(), 2.0);
}

void TestHistogramBins::identicalScoresGetOneBin()
{
    const std::vector<double> a{0.7, 0.7, 0.7};
    const SharedHistogram h = computeSharedHistogram({&a});
    QCOMPARE(h.bins(), std::size_t(1));
    QVERIFY(h.edges.front() < 0.7 && h.edges.back() > 0.7);
    QCOMPARE(h.counts[0].front(), std::size_t(3));
}

void TestHistogramBins::noFiniteScoreGivesNoEdges()
{
    const std::vector<double> a{kNaN, kInf};
    const std::vector<double> empty;
    const SharedHistogram h = computeSharedHistogram({&a, &empty});
    QCOMPARE(h.bins(), std::size_t(0));
    QVERIFY(h.edges.empty());
    QCOMPARE(h.nan[0], std::size_t(1));
    QCOMPARE(h.posInf[0], std::size_t(1));
}

void TestHistogramBins::autoBinCountIsClamped_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("heavyTail");
    QTest::newRow("few values") << 20 << false;
    QTest::newRow("many values") << 100000 << false;
    QTest::newRow("outliers") << 2000 << true;
}

void TestHistogramBins::autoBinCountIsClamped()
{
    QFETCH(int, n);
    QFETCH(bool, heavyTail);
    std::vector<double> v;
    for (int i = 0; i < n; ++i)
        v.push_back(double(i) / n);
    if (heavyTail)
        v.push_back(1e6);
    const int bins = autoBinCount({&v});
    QVERIFY(bins >= 10);
    QVERIFY(bins <= 100);
}

void TestHistogramBins::narrowestSetSetsTheBinWidth()
{
    // Two well-separated sets: the union's IQR spans the gap, each set's IQR does not.
    std::vector<double> a, b;
    for (int i = 0; i < 2000; ++i) {
        a.push_back(double(i % 100) / 100.0);         // [0, 1)
        b.push_back(100.0 + double(i % 100) / 100.0); // [100, 101)
    }
    std::vector<double> both = a;
    both.insert(both.end(), b.begin(), b.end());
    QCOMPARE(autoBinCount({&a, &b}), 100);        // clamped: the per-set width asks for far more
    QVERIFY(autoBinCount({&both}, 1, 1000) < 20); // the union's own width: about one bin per set
    QVERIFY(freedmanDiaconisWidth(a) > 0);
    QCOMPARE(freedmanDiaconisWidth({1.0, 1.0, 1.0}), 0.0);
}

QTEST_APPLESS_MAIN(TestHistogramBins)
#include "test_histogrambins.moc"
