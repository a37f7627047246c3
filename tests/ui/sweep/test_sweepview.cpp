// SPDX-License-Identifier: GPL-3.0-or-later
// The Sweep tab end to end, offscreen, on the demo: Sweep runs the sweep from the kept features
// (the model does not run again), the plot and the table show every grid value with validation and
// test side by side, the chosen value is the best validation AUROC (recomputed here from the run's
// sweep points), "Apply best" makes it the method's parameter and the next result is scored with
// it; without a validation OOD set the tab says how to add one and nothing runs.
#include "app/MainWindow.h"
#include "sweep/SweepView.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"

#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

namespace {
constexpr int kTimeoutMs = 180000;
}

class TestSweepView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void sweepShowsEveryValueAndChoosesTheBestOnValidation();
    void applyBestScoresWithTheChosenValue();
    void withoutAValidationOodSetItSaysHowAndDoesNotRun();

private:
    bool runAndWait();
    std::unique_ptr<MainWindow> window_;
    SweepView* view_ = nullptr;
    QTemporaryDir cacheDir_;
};

bool TestSweepView::runAndWait()
{
    QSignalSpy finished(window_.get(), &MainWindow::runFinished);
    return finished.wait(kTimeoutMs);
}

void TestSweepView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cacheDir_.path()));
    MainWindowOptions options;
    options.autorun = false;
    options.persistSettings = false;
    options.methods = {"energy", "msp"};
    window_ = std::make_unique<MainWindow>(options);
    window_->resize(1400, 900);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    view_ = window_->sweepView();
    QVERIFY(view_);
    window_->centralTabs()->setCurrentIndex(MainWindow::SweepTab);
    QSignalSpy finished(window_.get(), &MainWindow::runFinished);
    QVERIFY(window_->startRun());
    QVERIFY(finished.wait(kTimeoutMs));
}

void TestSweepView::sweepShowsEveryValueAndChoosesTheBestOnValidation()
{
    auto* method = view_->findChild<QComboBox*>(QStringLiteral("sweepMethod"));
    QVERIFY(method);
    method->setCurrentIndex(method->findData(QStringLiteral("energy")));
    QVERIFY(view_->sweepButton()->isEnabled()); // the demo has its validation OOD set
    const int passes = window_->runner()->modelPasses();
    view_->sweepButton()->click();
    QVERIFY(runAndWait());
    // The validation OOD set was extracted (one pass over its images) and nothing else ran again.
    QCOMPARE(window_->runner()->modelPasses(), passes + 1);
    const SweepResult* s = view_->shownSweep();
    QVERIFY(s);
    const std::size_t grid = requireMethod("energy").param("T")->grid.size();
    QCOMPARE(s->points.size(), grid);
    QCOMPARE(std::size_t(view_->table()->rowCount()), grid);
    // validation + one test line per test OOD set, with a value at every grid point.
    QCOMPARE(view_->plot()->lines().size(), std::size_t(1 + s->testOods.size()));
    for (const SweepPlot::Line& l : view_->plot()->lines())
        for (double y : l.y)
            QVERIFY(std::isfinite(y));
    int best = 0;
    for (int i = 1; i < int(s->points.size()); ++i)
        if (s->points[i].objective > s->points[best].objective)
            best = i;
    QCOMPARE(s->best, best);
    QVERIFY(view_->table()->item(best, 0)->text().contains(QStringLiteral("chosen")));
    QVERIFY(view_->table()->item(best, 0)->font().bold());
    QVERIFY(view_->summaryLabel()->text().contains(QStringLiteral("Chosen")));
    // The run's scores keep the configured T until Apply best.
    QCOMPARE(window_->workspace()->result()->params.resolve("energy").get("T"), 1.0);
}

void TestSweepView::applyBestScoresWithTheChosenValue()
{
    const SweepResult* s = view_->shownSweep();
    QVERIFY(s && s->chosen());
    const double chosen = s->chosen()->values.at("T");
    // Configure another value of the grid first, so that Apply best has something to change.
    const double other = chosen == 1000 ? 1 : 1000;
    window_->workspace()->setParam(QStringLiteral("energy.T"), other);
    QVERIFY(runAndWait());
    QCOMPARE(window_->workspace()->result()->params.resolve("energy").get("T"), other);
    QVERIFY(view_->shownSweep() && view_->shownSweep()->chosen()->values.at("T") == chosen); // unchanged
    QVERIFY(view_->applyButton()->isEnabled());
    view_->applyButton()->click();
    QCOMPARE(window_->workspace()->config().params.resolve("energy").get("T"), chosen);
    QVERIFY(runAndWait()); // the edit reruns from the kept features
    QCOMPARE(window_->workspace()->result()->params.resolve("energy").get("T"), chosen);
    QVERIFY(!view_->applyButton()->isEnabled());
    QVERIFY(view_->summaryLabel()->text().contains(QStringLiteral("parameters now")));
}

void TestSweepView::withoutAValidationOodSetItSaysHowAndDoesNotRun()
{
    Workspace* w = window_->workspace();
    for (int i = int(w->config().datasets.size()) - 1; i >= 0; --i)
        if (w->config().datasets[std::size_t(i)].role == DatasetRole::ValidationOod)
            w->removeDataset(i);
    QVERIFY(!view_->sweepButton()->isEnabled());
    auto* hint = view_->findChild<QLabel*>(QStringLiteral("sweepHint"));
    QVERIFY(hint->text().contains(QStringLiteral("needs a validation OOD set")));
}

QTEST_MAIN(TestSweepView)
#include "test_sweepview.moc"
