// SPDX-License-Identifier: GPL-3.0-or-later
// The factor analysis's two figures on an analysis made by hand (so every expected number is known
// without running the analysis): the dot chart's rows and intervals, the heatmap's grid, its marks,
// a click in a cell, and both figures written by exportFigure offscreen.
#include "factors/FactorCharts.h"
#include "plots/FigureExport.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

const std::vector<std::string> kNorms = {"feature_l1", "feature_l2", "feature_linf"};
const std::vector<double> kQ = {1, 2, std::numeric_limits<double>::infinity()};
const std::vector<double> kA = {0, 0.5, 1, 2};
const std::vector<std::string> kTerms = {"msp", "maxlogit", "energy", "gradterm", "gini", "gen"};

// A distinct AUROC for every member, so that a cell showing another member's value is caught.
double aurocOf(std::size_t q, std::size_t a, std::size_t t)
{
    return 0.5 + 0.005 * double(q * 24 + a * 6 + t);
}

ScoreMetrics metrics(const std::string& label, double all, double test)
{
    ScoreMetrics m;
    m.label = label;
    m.all.auroc = all;
    m.validation.auroc = all - 0.01;
    m.test.auroc = test;
    return m;
}

FactorComparison comparison(double loA, double hiA, double loB, double hiB)
{
    FactorComparison c;
    c.ok = true;
    c.bootstrap.resamples = 200;
    c.bootstrap.aurocOfA = {loA, hiA};
    c.bootstrap.aurocOfB = {loB, hiB};
    return c;
}

FactorAnalysis handMadeAnalysis()
{
    FactorAnalysis f;
    f.gradientMethod = "gradnorm";
    f.gradientLabel = "GradNorm";
    f.ood = "fashion-mnist";
    f.gradient = metrics("GradNorm", 0.9, 0.91);
    f.featureTerm = metrics("||h||_1", 0.7, 0.72);
    f.outputTerm = metrics("GradNorm output term", 0.8, 0.81);
    f.featureMember = {"feature_l1", 1, 1, ""};
    f.outputMember = {"feature_l1", 1, 0, "gradterm"};
    for (std::size_t q = 0; q < kNorms.size(); ++q)
        for (std::size_t a = 0; a < kA.size(); ++a)
            for (std::size_t t = 0; t < kTerms.size(); ++t) {
                FamilyResult r;
                r.member = {kNorms[q], kQ[q], kA[a], kTerms[t]};
                const double v = aurocOf(q, a, t);
                r.metrics = metrics(kNorms[q] + "^" + std::to_string(kA[a]) + " x " + kTerms[t], v, v + 0.001);
                f.family.push_back(r);
            }
    for (std::size_t q = 0; q < kNorms.size(); ++q) {
        FamilyResult r;
        r.member = {kNorms[q], kQ[q], 1, ""};
        r.metrics = metrics(kNorms[q], 0.6, 0.6);
        f.family.push_back(r);
    }
    f.best = int(1 * 24 + 3 * 6 + 2); // ||h||_2^2 x Energy
    f.versusBest = comparison(0.93, 0.96, 0.89, 0.93);
    f.versusFeatureTerm = comparison(0.70, 0.74, 0.89, 0.93);
    f.versusOutputTerm = comparison(0.79, 0.83, 0.89, 0.93);
    return f;
}

} // namespace

class TestFactorCharts : public QObject {
    Q_OBJECT

private slots:
    void chartShowsTheFourScoresWithTheirIntervals();
    void chartWithoutIntervalsDrawsNoWhiskers();
    void heatmapHasOneCellPerMember();
    void heatmapMarksTheGradientAndTheBest();
    void clickInACellEmitsItsMember();
    void bothFiguresExport();
    void emptyAnalysisShowsAPlaceholder();
};

void TestFactorCharts::chartShowsTheFourScoresWithTheirIntervals()
{
    const FactorAnalysis f = handMadeAnalysis();
    FactorChart chart;
    chart.resize(600, 300);
    chart.setAnalysis(&f);
    QCOMPARE(chart.rows().size(), std::size_t(4));
    const double expected[4] = {91, 72, 81, 100 * f.family[std::size_t(f.best)].metrics.test.auroc};
    const double low[4] = {89, 70, 79, 93}, high[4] = {93, 74, 83, 96};
    for (int i = 0; i < 4; ++i) {
        QVERIFY2(std::abs(chart.rows()[std::size_t(i)].auroc - expected[i]) < 1e-9, qPrintable(QString::number(i)));
        QVERIFY(chart.rows()[std::size_t(i)].hasInterval);
        QVERIFY(std::abs(chart.rows()[std::size_t(i)].low - low[i]) < 1e-9);
        QVERIFY(std::abs(chart.rows()[std::size_t(i)].high - high[i]) < 1e-9);
    }
    QCOMPARE(chart.rows()[0].label, QStringLiteral("GradNorm"));
    QCOMPARE(chart.rows()[1].label, QStringLiteral("\u2016h\u2016\u2081"));
    // Every interval fits the axis.
    for (const FactorChart::Row& r : chart.rows())
        QVERIFY(chart.xAxis->range().contains(r.low) && chart.xAxis->range().contains(r.high));
    QVERIFY(chart.title().contains(QStringLiteral("fashion-mnist")));
}

void TestFactorCharts::chartWithoutIntervalsDrawsNoWhiskers()
{
    FactorAnalysis f = handMadeAnalysis();
    f.versusBest.ok = false;
    f.versusFeatureTerm.bootstrap.resamples = 0;
    f.versusOutputTerm.ok = false;
    FactorChart chart;
    chart.setAnalysis(&f);
    for (const FactorChart::Row& r : chart.rows())
        QVERIFY(!r.hasInterval);
    int curves = 0;
    for (int i = 0; i < chart.plottableCount(); ++i)
        curves += qobject_cast<QCPCurve*>(chart.plottable(i)) ? 1 : 0;
    QCOMPARE(curves, 0);
}

void TestFactorCharts::heatmapHasOneCellPerMember()
{
    const FactorAnalysis f = handMadeAnalysis();
    FamilyHeatmap map;
    map.resize(700, 500);
    map.setAnalysis(&f);
    QCOMPARE(map.columnCount(), 6);
    QCOMPARE(map.rowCount(), 12);
    for (int r = 0; r < 12; ++r)
        for (int c = 0; c < 6; ++c) {
            // Rows grouped by q, then a; columns in registry order.
            const std::size_t q = std::size_t(r / 4), a = std::size_t(r % 4);
            QCOMPARE(map.columnTerm(c), kTerms[std::size_t(c)]);
            QCOMPARE(map.rowKey(r).featureTerm, kNorms[q]);
            QCOMPARE(map.rowKey(r).a, kA[a]);
            QVERIFY(std::abs(map.cellValue(r, c) - 100 * aurocOf(q, a, std::size_t(c))) < 1e-9);
        }
    QCOMPARE(familyRowLabel("feature_l2", 0.5), QStringLiteral("\u2016h\u2016\u2082^0.5"));
    QCOMPARE(familyRowLabel("feature_linf", 1), QStringLiteral("\u2016h\u2016\u221e"));
}

void TestFactorCharts::heatmapMarksTheGradientAndTheBest()
{
    const FactorAnalysis f = handMadeAnalysis();
    FamilyHeatmap map;
    map.setAnalysis(&f);
    // GradNorm = ||h||_1 (a = 1) x GradNorm output term: column 3, row 2 (q = 1, a = 1).
    QCOMPARE(map.gradientCell(), QPointF(3, 2));
    // ||h||_2^2 x Energy: column 2, row 4 + 3.
    QCOMPARE(map.bestCell(), QPointF(2, 7));
    int rects = 0;
    for (int i = 0; i < map.itemCount(); ++i)
        rects += qobject_cast<QCPItemRect*>(map.item(i)) ? 1 : 0;
    QCOMPARE(rects, 1);
}

void TestFactorCharts::clickInACellEmitsItsMember()
{
    const FactorAnalysis f = handMadeAnalysis();
    FamilyHeatmap map;
    map.resize(700, 500);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.setAnalysis(&f);
    QSignalSpy clicked(&map, &FamilyHeatmap::memberClicked);
    // ||h||_inf^0.5 x Gini: row 8 + 1, column 4.
    const QPoint at(int(map.xAxis->coordToPixel(4)), int(map.yAxis->coordToPixel(9)));
    QTest::mouseClick(&map, Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(clicked.count(), 1);
    const auto member = clicked.at(0).at(0).value<FamilyMember>();
    QCOMPARE(member.featureTerm, std::string("feature_linf"));
    QCOMPARE(member.a, 0.5);
    QCOMPARE(member.outputTerm, std::string("gini"));
    // Outside the cells: nothing.
    QTest::mouseClick(&map, Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
    QCOMPARE(clicked.count(), 1);
}

void TestFactorCharts::bothFiguresExport()
{
    const FactorAnalysis f = handMadeAnalysis();
    FactorChart chart;
    chart.setAnalysis(&f);
    FamilyHeatmap map;
    map.setAnalysis(&f);
    QTemporaryDir dir;
    if (qEnvironmentVariableIsSet("OODLENS_KEEP_FIGURES")) {
        dir.setAutoRemove(false);
        qInfo() << "figures in" << dir.path();
        map.resize(800, 520);
        chart.resize(600, 300);
        map.grab().save(dir.filePath(QStringLiteral("heatmap-window.png")));
        chart.grab().save(dir.filePath(QStringLiteral("chart-window.png")));
    }
    for (const QString& ext : {QStringLiteral("svg"), QStringLiteral("png"), QStringLiteral("pdf")}) {
        FigureOptions options;
        options.size = FigureSize::twoColumn();
        QString error;
        FigureReport report;
        const QString mapFile = dir.filePath(QStringLiteral("heatmap.") + ext);
        QVERIFY2(exportFigure(&map, mapFile, options, &error, &report), qPrintable(error));
        QVERIFY(QFileInfo(mapFile).size() > 0);
        QVERIFY(report.panels.at(0).plottables >= 2); // the map and the star
        const QString chartFile = dir.filePath(QStringLiteral("chart.") + ext);
        QVERIFY2(exportFigure(&chart, chartFile, options, &error, &report), qPrintable(error));
        QVERIFY(report.panels.at(0).plottables >= 8); // four dots, four whiskers
    }
    // The cells' values are in the vector figure as text.
    QFile svg(dir.filePath(QStringLiteral("heatmap.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    QVERIFY(text.contains(QByteArray::number(100 * aurocOf(1, 3, 2), 'f', 1)));
    // The figure has the cells' colours: viridis' yellow end at the highest value.
    QImage png(dir.filePath(QStringLiteral("heatmap.png")));
    QVERIFY(!png.isNull());
    bool yellow = false;
    for (int y = 0; y < png.height() && !yellow; y += 2)
        for (int x = 0; x < png.width() && !yellow; x += 2) {
            const QColor c = png.pixelColor(x, y);
            yellow = c.red() > 0xE8 && c.green() > 0xD8 && c.blue() < 0x50;
        }
    QVERIFY(yellow);
}

void TestFactorCharts::emptyAnalysisShowsAPlaceholder()
{
    FactorChart chart;
    chart.setAnalysis(nullptr);
    QVERIFY(chart.rows().empty());
    FamilyHeatmap map;
    map.setAnalysis(nullptr);
    QCOMPARE(map.rowCount(), 0);
    QVERIFY(!map.resultAt(QPoint(100, 100)));
}

QTEST_MAIN(TestFactorCharts)
#include "test_factorcharts.moc"
