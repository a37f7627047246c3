// SPDX-License-Identifier: GPL-3.0-or-later
// The "Gradients?" tab end to end, offscreen, on the demo run: the factor report arrives off the
// GUI thread; a click in a heatmap cell makes that member the current method in the histogram and
// the Threshold dock, also a member the run did not score (an exponent of 0.5, rescored from the
// cached features); a new split or a new T recomputes without a pass of the model; partial results
// are not analysed.
#include "app/MainWindow.h"
#include "docks/MethodLabels.h"
#include "docks/ThresholdPanel.h"
#include "factors/FactorCharts.h"
#include "factors/FactorsView.h"
#include "metrics/Metrics.h"
#include "plots/HistogramView.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kTimeoutMs = 120000;

// ||h||_2^a x Energy(z) with T = 1 from the features and logits, independently of the registry.
std::vector<double> l2EnergyByHand(const FeatureSet& set, double a)
{
    std::vector<double> out(set.rows);
    for (std::size_t r = 0; r < set.rows; ++r) {
        double norm = 0;
        for (int j = 0; j < set.dim; ++j)
            norm += double(set.featureRow(r)[j]) * set.featureRow(r)[j];
        norm = std::sqrt(norm);
        const float* z = set.logitRow(r);
        double m = z[0];
        for (int c = 1; c < set.classes; ++c)
            m = std::max(m, double(z[c]));
        double sum = 0;
        for (int c = 0; c < set.classes; ++c)
            sum += std::exp(double(z[c]) - m);
        out[r] = std::pow(norm, a) * (m + std::log(sum));
    }
    return out;
}

} // namespace

class TestFactorsView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void reportArrivesForTheFinalResult();
    void clickOnAScoredMemberMakesItCurrent();
    void clickOnAnUnscoredMemberScoresItAndMakesItCurrent();
    void newSeedRecomputesWithoutTheModel();
    void newTemperatureRerunsAndTheViewFollows();
    void aFailedAnalysisSaysWhy();
    void partialResultsAreNotAnalysed(); // last: it leaves a partial result in the window

private:
    // Clicks the heatmap cell of `member` where the axes put it.
    void clickCell(const FamilyMember& member);
    bool waitForReport(int before);
    // The Threshold dock shows `method`'s rates at the Workspace's threshold.
    void checkThresholdDockShows(const std::string& method);

    std::unique_ptr<MainWindow> window_;
    FactorsView* view_ = nullptr;
    QTemporaryDir cacheDir_;
};

void TestFactorsView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cacheDir_.path()));
    MainWindowOptions options;
    options.autorun = false;
    options.persistSettings = false;
    window_ = std::make_unique<MainWindow>(options);
    window_->resize(1400, 900);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    view_ = window_->factorsView();
    QVERIFY(view_);
    window_->centralTabs()->setCurrentIndex(MainWindow::FactorsTab);
    QSignalSpy finished(window_.get(), &MainWindow::runFinished);
    QVERIFY(window_->startRun());
    QVERIFY(finished.wait(kTimeoutMs));
}

void TestFactorsView::cleanupTestCase()
{
    window_.reset();
}

bool TestFactorsView::waitForReport(int before)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < kTimeoutMs) {
        if (view_->computations() > before && !view_->isComputing() && !window_->isRunning())
            return true;
        QTest::qWait(50);
    }
    return false;
}

void TestFactorsView::reportArrivesForTheFinalResult()
{
    QVERIFY(waitForReport(0));
    QVERIFY2(view_->problem().isEmpty(), qPrintable(view_->problem()));
    const FactorAnalysis* a = view_->currentAnalysis();
    QVERIFY(a);
    QCOMPARE(a->gradientMethod, std::string("gradnorm"));
    QVERIFY(!view_->verdictLabel()->text().isEmpty());
    QCOMPARE(view_->heatmap()->analysis(), a);
    QCOMPARE(view_->chart()->analysis(), a);
    QVERIFY(view_->heatmap()->rowCount() >= 12);
    QVERIFY(view_->costTable()->rowCount() > 0);
    // The busy bar went away with the report.
    QVERIFY(!view_->findChild<QWidget*>(QStringLiteral("factorsBusy"))->isVisible());
}

void TestFactorsView::clickCell(const FamilyMember& member)
{
    FamilyHeatmap* map = view_->heatmap();
    const QPointF cell = map->cellOf(member);
    QVERIFY2(cell.x() >= 0, member.featureTerm.c_str());
    const QPoint at(int(std::lround(map->xAxis->coordToPixel(cell.x()))),
                    int(std::lround(map->yAxis->coordToPixel(cell.y()))));
    QTest::mouseClick(map, Qt::LeftButton, Qt::NoModifier, at);
}

void TestFactorsView::checkThresholdDockShows(const std::string& method)
{
    Workspace* w = window_->workspace();
    const RunResultPtr r = w->result();
    const auto id = std::size_t(r->idIndex);
    const std::size_t ood = r->oodIndices.front();
    const OperatingPoint expected =
        operatingPoint(r->scoresOf(method, id), r->scoresOf(method, ood), w->threshold());
    const std::vector<OperatingPoint>& shown = window_->thresholdPanel()->shownRates();
    QVERIFY(!shown.empty());
    QCOMPARE(shown.front().tpr_id, expected.tpr_id);
    QCOMPARE(shown.front().fpr_id, expected.fpr_id);
    // The threshold is one of this method's: it accepts ~the carried share of the ID set.
    QVERIFY(std::isfinite(w->threshold()));
}

void TestFactorsView::clickOnAScoredMemberMakesItCurrent()
{
    QVERIFY(waitForReport(0));
    const FamilyMember member{"feature_l1", 1, 1, "msp"};
    QCOMPARE(member.method(), std::string("l1_x_msp"));
    QVERIFY(window_->workspace()->hasScores(QStringLiteral("l1_x_msp")));
    const int passes = window_->runner()->modelPasses();
    clickCell(member);
    QCOMPARE(window_->currentMethod(), QStringLiteral("l1_x_msp"));
    QVERIFY2(window_->histogramPlot()->title().contains(methodDisplayLabel("l1_x_msp")),
             qPrintable(window_->histogramPlot()->title()));
    checkThresholdDockShows("l1_x_msp");
    QCOMPARE(window_->runner()->modelPasses(), passes);
}

void TestFactorsView::clickOnAnUnscoredMemberScoresItAndMakesItCurrent()
{
    QVERIFY(waitForReport(0));
    const FamilyMember member{"feature_l2", 2, 0.5, "energy"};
    const std::string method = member.method();
    QCOMPARE(method, std::string("l2_x_energy"));
    Workspace* w = window_->workspace();
    QVERIFY(!w->hasScores(QString::fromStdString(method)));
    const int passes = window_->runner()->modelPasses();
    const int before = view_->computations();
    clickCell(member);
    // Checked with its exponent, and waiting for its scores.
    const auto& methods = w->config().methods;
    QVERIFY(std::find(methods.begin(), methods.end(), method) != methods.end());
    QCOMPARE(w->config().params.value(method, kExponentParam, 1), 0.5);
    QCOMPARE(w->pendingMethod(), QString::fromStdString(method));
    QTRY_COMPARE_WITH_TIMEOUT(w->currentMethod(), QString::fromStdString(method), kTimeoutMs);
    QVERIFY(w->pendingMethod().isEmpty());
    // Its scores are ||h||_2^0.5 x Energy, computed here from the features.
    const RunResultPtr r = w->result();
    const auto id = std::size_t(r->idIndex);
    const std::vector<double> expected = l2EnergyByHand(*r->features[id], 0.5);
    const std::vector<double>& got = r->scoresOf(method, id);
    QCOMPARE(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        QVERIFY(std::abs(got[i] - expected[i]) <= 1e-4 * std::max(1.0, std::abs(expected[i])));
    const QString title = window_->histogramPlot()->title();
    QVERIFY2(title.contains(QStringLiteral("^0.5")) && title.contains(QStringLiteral("Energy")), qPrintable(title));
    checkThresholdDockShows(method);
    // Rescored from the cached features, and the view followed the new result.
    QCOMPARE(window_->runner()->modelPasses(), passes);
    QVERIFY(waitForReport(before));
}

void TestFactorsView::newSeedRecomputesWithoutTheModel()
{
    QVERIFY(waitForReport(0));
    const double before = view_->currentAnalysis()->gradient.test.auroc;
    const double bestBefore = view_->currentAnalysis()->family.at(std::size_t(view_->currentAnalysis()->best)).metrics.test.auroc;
    const int passes = window_->runner()->modelPasses();
    const int computations = view_->computations();
    view_->seedSpin()->setValue(view_->seedSpin()->value() + 7);
    QVERIFY(waitForReport(computations));
    QCOMPARE(view_->report()->options.split.seed, std::uint64_t(view_->seedSpin()->value()));
    const FactorAnalysis* a = view_->currentAnalysis();
    QVERIFY(a);
    // Another test part: other test metrics (the whole-set ones stay).
    QVERIFY(a->gradient.test.auroc != before ||
            a->family.at(std::size_t(a->best)).metrics.test.auroc != bestBefore);
    QCOMPARE(window_->runner()->modelPasses(), passes);
    QVERIFY(!window_->isRunning());
}

void TestFactorsView::newTemperatureRerunsAndTheViewFollows()
{
    QVERIFY(waitForReport(0));
    const double before = view_->currentAnalysis()->outputTerm.all.auroc;
    const int passes = window_->runner()->modelPasses();
    const int computations = view_->computations();
    QSignalSpy finished(window_.get(), &MainWindow::runFinished);
    window_->setParam(QStringLiteral("T"), 10);
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(waitForReport(computations));
    const FactorAnalysis* a = view_->currentAnalysis();
    QVERIFY(a);
    QVERIFY2(a->outputTerm.all.auroc != before, "the output term did not follow T");
    QCOMPARE(window_->runner()->modelPasses(), passes);
    // The gradient's own cell still equals the gradient score.
    const QPointF own = view_->heatmap()->gradientCell();
    QVERIFY(own.x() >= 0);
    QCOMPARE(view_->heatmap()->cellValue(int(own.y()), int(own.x())), 100 * a->gradient.all.auroc);
}

void TestFactorsView::partialResultsAreNotAnalysed()
{
    QVERIFY(waitForReport(0));
    auto partial = std::make_shared<RunResult>(*window_->workspace()->result());
    partial->partial = true;
    const int computations = view_->computations();
    window_->workspace()->setResult(partial);
    QVERIFY(!view_->isComputing());
    QTest::qWait(300);
    QCOMPARE(view_->computations(), computations);
}

// The core's message reaches the view across the thread pool (not a bare "std::exception").
void TestFactorsView::aFailedAnalysisSaysWhy()
{
    QVERIFY(waitForReport(0));
    // A validation pair on the demo leaves nothing to test (its only OOD set validates) or names a
    // fit set no method extracted: either way core says why, and the view shows core's words.
    QSignalSpy failed(view_, &FactorsView::reportFailed);
    view_->splitKindCombo()->setCurrentIndex(view_->splitKindCombo()->findData(int(FactorSplit::Kind::Pair)));
    QVERIFY(failed.wait(kTimeoutMs));
    const QString message = failed.takeFirst().at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("validation")), qPrintable(message));
    QVERIFY2(!message.contains(QStringLiteral("std::exception")), qPrintable(message));
    QCOMPARE(view_->problem(), message);
    view_->splitKindCombo()->setCurrentIndex(view_->splitKindCombo()->findData(int(FactorSplit::Kind::Seeded)));
}

QTEST_MAIN(TestFactorsView)
#include "test_factorsview.moc"
