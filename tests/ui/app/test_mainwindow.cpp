// SPDX-License-Identifier: GPL-3.0-or-later
// The main window end to end, offscreen: a demo run fills the histogram, the ROC and the metrics
// table; a cancelled run leaves the window usable; failures are reported, not thrown.
#include "run/Demo.h"
#include "common/Error.h"
#include "plots/HistogramView.h"
#include "app/MainWindow.h"
#include "docks/MethodListWidget.h"
#include "docks/MethodParamsEditor.h"
#include "docks/DatasetsPanel.h"
#include "plots/ResultsTableView.h"
#include "plots/MetricsTableModel.h"
#include "plots/RocView.h"
#include "docks/RunProgressWidget.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <QAction>
#include <QCheckBox>
#include <QMenu>
#include <QLineEdit>
#include <QMenuBar>
#include <QTableWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kRunTimeoutMs = 60000;

MainWindowOptions testOptions(bool autorun = false)
{
    MainWindowOptions o;
    o.autorun = autorun;
    o.persistSettings = false;
    return o;
}

std::size_t finiteCount(const std::vector<double>& v)
{
    std::size_t n = 0;
    for (double x : v)
        n += std::isfinite(x) ? 1 : 0;
    return n;
}

double graphTotal(const QCPGraph* graph)
{
    double total = 0;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        total += it->value;
    return total;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void opensIdleWithGroupedMethods();
    void actionsHaveShortcuts();
    void demoRunFillsPlotsAndTable();
    void pickingAMethodRedrawsBothPlots();
    void cancelStopsTheRunAndTheWindowStaysUsable();
    void escapeCancelsARun();
    void secondStartWhileRunningIsRefused();
    void unreadableModelIsReportedInTheStatusBar();
    void configErrorIsReportedWithoutStartingARun();
    void flipToggleRescoresAndRelabelsEverywhere();
    void groupEditedInTheDatasetsDockIsAveraged();

private:
    QTemporaryDir cache_;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // A fresh feature cache: the first run extracts with the model, later ones read the cache.
    QVERIFY(cache_.isValid());
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cache_.path()));
    initRuntime(0);
    try {
        demoDirectory();
    } catch (const Error& e) {
        QFAIL(e.what());
    }
}

void TestMainWindow::opensIdleWithGroupedMethods()
{
    MainWindow window(testOptions());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.isRunning());
    QVERIFY(window.runAction()->isEnabled());
    QVERIFY(!window.cancelAction()->isEnabled());
    QVERIFY(!window.result());
    QCOMPARE(window.histogramPlot()->graphCount(), 0);
    QVERIFY(window.rocPlot()->curves().empty());
    QCOMPARE(window.metricsModel()->rowCount(), 0);

    // Every method is listed under its group's header (the six groups of the registry); the
    // default methods are the checked ones.
    const MethodListWidget* list = window.methodList();
    QCOMPARE(list->methods().size(), int(methodRegistry().size()));
    std::vector<std::string> checked = list->checkedMethods(), defaults = MainWindow::defaultMethods();
    std::sort(checked.begin(), checked.end());
    std::sort(defaults.begin(), defaults.end());
    QVERIFY(checked == defaults);
    QStringList headers;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->data(MethodListWidget::MethodIdRole).toString().isEmpty()) {
            headers << list->item(i)->text();
            QVERIFY(!(list->item(i)->flags() & Qt::ItemIsSelectable));
        }
    QCOMPARE(headers, QStringList({QStringLiteral("Gradient-based"), QStringLiteral("Output space"),
                                   QStringLiteral("Feature space"), QString::fromUtf8("Feature norm \u00d7 output term"),
                                   QStringLiteral("Fitted (uses the fit set)"),
                                   QStringLiteral("Input perturbation (runs the model again)")}));
    QVERIFY(!window.windowIcon().isNull());
}

void TestMainWindow::actionsHaveShortcuts()
{
    MainWindow window(testOptions());
    const QList<QKeySequence> run = window.runAction()->shortcuts();
    QVERIFY(run.contains(QKeySequence(Qt::CTRL | Qt::Key_R)));
    QVERIFY(run.contains(QKeySequence(Qt::Key_F5)));
    QCOMPARE(window.cancelAction()->shortcut(), QKeySequence(Qt::Key_Escape));
}

void TestMainWindow::demoRunFillsPlotsAndTable()
{
    MainWindow window(testOptions(/*autorun=*/true));
    QSignalSpy started(&window, &MainWindow::runStarted);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    QSignalSpy progress(&window, &MainWindow::runProgress);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Autorun starts on the first event loop turn, on the worker thread: the GUI stays live.
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 5000);
    QVERIFY(window.isRunning());
    QVERIFY(window.progressWidget()->isVisible());
    QVERIFY(!window.runAction()->isEnabled());
    QVERIFY(window.cancelAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, kRunTimeoutMs);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().first().toString()));
    QVERIFY(!window.isRunning());
    QVERIFY(!window.progressWidget()->isVisible());
    QVERIFY(window.runAction()->isEnabled());
    QVERIFY(window.statusText().startsWith(QStringLiteral("Scored")));

    // Progress arrived on the GUI thread, per dataset by name, up to the end of each stage.
    QVERIFY(progress.count() > 0);
    bool sawOodEnd = false;
    for (const QList<QVariant>& report : progress) {
        const QString stage = report.at(0).toString();
        QVERIFY2(!stage.contains(QStringLiteral(".gz")), qPrintable(stage)); // names, not paths
        if (stage.contains(QStringLiteral("fashion-mnist")) && report.at(2).toULongLong() > 0 &&
            report.at(1).toULongLong() == report.at(2).toULongLong())
            sawOodEnd = true;
    }
    QVERIFY(sawOodEnd);

    const RunResultPtr result = window.result();
    QVERIFY(result);
    QVERIFY(result->idIndex >= 0);
    QCOMPARE(result->oodIndices.size(), std::size_t(1));
    const std::string method = window.currentMethod().toStdString();
    QVERIFY(!method.empty());

    // Histogram: ID + one OOD set, on the same bin edges, counting every finite score once.
    const HistogramView* histogram = window.histogramPlot();
    QCOMPARE(histogram->graphCount(), 2);
    const std::vector<double>& idScores = result->scoresOf(method, std::size_t(result->idIndex));
    const std::vector<double>& oodScores = result->scoresOf(method, result->oodIndices.front());
    const std::size_t expected = finiteCount(idScores) + finiteCount(oodScores);
    QCOMPARE(expected, result->datasets[std::size_t(result->idIndex)].rows +
                           result->datasets[result->oodIndices.front()].rows); // the demo has no NaN
    QVERIFY(expected > 0);
    double plotted = 0;
    for (int g = 0; g < histogram->graphCount(); ++g) {
        const QCPGraph* graph = histogram->graph(g);
        QVERIFY(graph->data()->size() > 2);
        QVERIFY(graph->brush().style() != Qt::NoBrush);
        QVERIFY(graph->brush().color().alpha() < 255); // translucent fill
        QCOMPARE(graph->lineStyle(), QCPGraph::lsStepLeft);
        plotted += graphTotal(graph);
    }
    QCOMPARE(plotted, double(expected));
    QVERIFY(histogram->graph(0)->pen().color() != histogram->graph(1)->pen().color());
    for (auto a = histogram->graph(0)->data()->constBegin(), b = histogram->graph(1)->data()->constBegin();
         a != histogram->graph(0)->data()->constEnd(); ++a, ++b)
        QCOMPARE(a->key, b->key);
    QVERIFY(histogram->xAxis->label().contains(QStringLiteral("higher = more ID")));
    QVERIFY(histogram->legend->itemCount() == 2);
    QVERIFY(histogram->nonFiniteNote().isEmpty());

    // ROC: one curve from (0,0) to (1,1), AUROC in the title.
    const RocView* roc = window.rocPlot();
    QCOMPARE(roc->curves().size(), std::size_t(1));
    const QCPCurve* curve = roc->curves().front();
    QVERIFY(curve->data()->size() > 2);
    QCOMPARE(curve->data()->constBegin()->key, 0.0);
    QCOMPARE(curve->data()->constBegin()->value, 0.0);
    QCOMPARE((curve->data()->constEnd() - 1)->key, 1.0);
    QCOMPARE((curve->data()->constEnd() - 1)->value, 1.0);
    QVERIFY(roc->title().contains(QStringLiteral("AUROC")));

    // Metrics: one row per method (one OOD set), red AUROC cell exactly when AUROC < 50%.
    const MetricsTableModel* model = window.metricsModel();
    QCOMPARE(model->rowCount(), int(MainWindow::defaultMethods().size()));
    QCOMPARE(window.metricsView()->model()->rowCount(), model->rowCount());
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex auroc = model->index(r, MetricsTableModel::AurocColumn);
        const double value = model->rows()[std::size_t(r)].metrics.auroc;
        QCOMPARE(auroc.data().toString(), QString::number(value * 100, 'f', 2));
        QCOMPARE(auroc.data(Qt::BackgroundRole).isValid(), value < 0.5);
    }
}

void TestMainWindow::pickingAMethodRedrawsBothPlots()
{
    MainWindow window(testOptions());
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.show();
    QVERIFY(window.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);

    QVERIFY(window.setCurrentMethod(QStringLiteral("msp")));
    QVERIFY(window.histogramPlot()->title().startsWith(QStringLiteral("MSP")));
    const MetricsRow* row = window.result()->metricsOf("msp", "fashion-mnist");
    QVERIFY(row);
    QVERIFY(window.rocPlot()->title().contains(QString::number(row->metrics.auroc * 100, 'f', 2)));

    QVERIFY(window.setCurrentMethod(QStringLiteral("gradnorm")));
    QVERIFY(window.histogramPlot()->title().startsWith(QStringLiteral("GradNorm")));
    QCOMPARE(window.histogramPlot()->graphCount(), 2);
    // The table follows the method list.
    QCOMPARE(window.metricsView()->currentIndex().data(MetricsTableModel::MethodIdRole).toString(),
             QStringLiteral("gradnorm"));
    QVERIFY(!window.setCurrentMethod(QStringLiteral("no_such_method")));

    // A log count axis changes the axis, not the data.
    window.logCountsAction()->setChecked(true);
    QCOMPARE(window.histogramPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(window.setCurrentMethod(QStringLiteral("msp")));
    QCOMPARE(window.histogramPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(window.histogramPlot()->graphCount(), 2);
    window.logCountsAction()->setChecked(false);
    QCOMPARE(window.histogramPlot()->yAxis->scaleType(), QCPAxis::stLinear);
}

void TestMainWindow::cancelStopsTheRunAndTheWindowStaysUsable()
{
    MainWindow window(testOptions());
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QSignalSpy cancelled(&window, &MainWindow::runCancelled);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    window.show();

    QVERIFY(window.startRun());
    window.cancelRun();
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kRunTimeoutMs);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(failed.count(), 0);
    QVERIFY(!window.isRunning());
    QVERIFY(!window.result());
    QVERIFY(window.runAction()->isEnabled());
    QVERIFY(window.statusText().contains(QStringLiteral("cancelled")));

    // The same window runs again to the end.
    QVERIFY(window.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(window.result());
    QCOMPARE(window.histogramPlot()->graphCount(), 2);
    QVERIFY(window.metricsModel()->rowCount() > 0);
}

void TestMainWindow::escapeCancelsARun()
{
    MainWindow window(testOptions());
    QSignalSpy cancelled(&window, &MainWindow::runCancelled);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.startRun());
    QTest::keyClick(&window, Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() + finished.count() > 0, kRunTimeoutMs);
    QCOMPARE(cancelled.count(), 1);
}

void TestMainWindow::secondStartWhileRunningIsRefused()
{
    MainWindow window(testOptions());
    QSignalSpy started(&window, &MainWindow::runStarted);
    QSignalSpy cancelled(&window, &MainWindow::runCancelled);
    QVERIFY(window.startRun());
    QVERIFY(!window.startRun());
    QCOMPARE(started.count(), 1);
    window.cancelRun();
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kRunTimeoutMs);
}

void TestMainWindow::unreadableModelIsReportedInTheStatusBar()
{
    MainWindowOptions options = testOptions();
    options.configFactory = []() {
        RunConfig config = demoConfig();
        config.modelPath = "/nonexistent/oodlens-test/model.pt";
        return config;
    };
    MainWindow window(options);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    window.show();
    QVERIFY(window.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kRunTimeoutMs);
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("model.pt")));
    QVERIFY(window.statusText().startsWith(QStringLiteral("Run failed")));
    QVERIFY(!window.isRunning());
    QVERIFY(window.runAction()->isEnabled());
}

void TestMainWindow::configErrorIsReportedWithoutStartingARun()
{
    MainWindowOptions options = testOptions();
    options.configFactory = []() -> RunConfig { throw Error("cannot find the bundled demo (test)"); };
    MainWindow window(options);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    QSignalSpy started(&window, &MainWindow::runStarted);
    QVERIFY(!window.startRun());
    QCOMPARE(failed.count(), 1);
    QCOMPARE(started.count(), 0);
    QVERIFY(window.statusText().contains(QStringLiteral("cannot find the bundled demo")));
    QVERIFY(!window.isRunning());
}

// The Methods dock's flip checkbox: the run rescores, AUROC becomes 1 - AUROC, and the method is
// named "ExGrad (flipped)" in the list, the metrics table, the results table and the plot titles.
void TestMainWindow::flipToggleRescoresAndRelabelsEverywhere()
{
    MainWindowOptions o = testOptions();
    o.methods = {"exgrad", "msp"};
    MainWindow window(o);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.show();
    QVERIFY(window.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    const MetricsRow* before = window.result()->metricsOf("exgrad", "fashion-mnist");
    QVERIFY(before);
    const double auroc = before->metrics.auroc;
    QVERIFY(auroc < 0.5);

    QVERIFY(window.setCurrentMethod(QStringLiteral("exgrad")));
    auto* editor = window.findChild<MethodParamsEditor*>();
    QVERIFY(editor);
    QCheckBox* flip = editor->switchFor(QStringLiteral("flip"));
    QVERIFY(flip);
    QVERIFY(!flip->isChecked());
    flip->click();
    QTRY_VERIFY_WITH_TIMEOUT(window.result() && isFlipped("exgrad", window.result()->params) && !window.result()->partial,
                             kRunTimeoutMs);
    const MetricsRow* after = window.result()->metricsOf("exgrad", "fashion-mnist");
    QVERIFY(after);
    QVERIFY(std::abs(after->metrics.auroc - (1.0 - auroc)) < 1e-12);

    const QString label = QStringLiteral("ExGrad (flipped)");
    QVERIFY(window.histogramPlot()->title().startsWith(label));
    const int row = window.metricsModel()->firstRowOf(QStringLiteral("exgrad"));
    QCOMPARE(window.metricsModel()->index(row, MetricsTableModel::MethodColumn).data().toString(), label);
    QCOMPARE(window.resultsTable()->tableWidget()->item(0, 0)->text(), label);
    auto* list = window.findChild<MethodListWidget*>();
    QVERIFY(list);
    bool listed = false;
    for (int i = 0; i < list->count(); ++i)
        listed = listed || (list->item(i)->data(MethodListWidget::MethodIdRole).toString() == QStringLiteral("exgrad") &&
                            list->item(i)->text() == label);
    QVERIFY(listed);
    // msp is untouched.
    QVERIFY(!window.resultsTable()->tableWidget()->item(1, 0)->text().contains(QStringLiteral("flipped")));
    // File menu: the results table's export.
    bool inMenu = false;
    for (QAction* menu : window.menuBar()->actions())
        if (menu->menu())
            for (QAction* a : menu->menu()->actions())
                inMenu = inMenu || a == window.resultsTable()->exportAction();
    QVERIFY(inMenu);
}

// An OOD set's group is set in the Datasets dock; the rerun's results table averages the group.
void TestMainWindow::groupEditedInTheDatasetsDockIsAveraged()
{
    MainWindowOptions o = testOptions();
    o.methods = {"msp"};
    MainWindow window(o);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.show();
    QVERIFY(window.startRun());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    auto* panel = window.findChild<DatasetsPanel*>();
    QVERIFY(panel);
    const std::vector<DatasetSpec>& specs = window.workspace()->config().datasets;
    int ood = -1, id = -1;
    for (int i = 0; i < int(specs.size()); ++i)
        (specs[std::size_t(i)].role == DatasetRole::Ood ? ood : specs[std::size_t(i)].role == DatasetRole::Id ? id : i) = i;
    QVERIFY(ood >= 0 && id >= 0);
    QTableWidgetItem* idGroup = panel->table()->item(id, DatasetsPanel::GroupColumn);
    QTableWidgetItem* oodGroup = panel->table()->item(ood, DatasetsPanel::GroupColumn);
    QVERIFY(idGroup && oodGroup);
    QVERIFY(!(idGroup->flags() & Qt::ItemIsEditable)); // only OOD sets have groups
    QVERIFY(oodGroup->flags() & Qt::ItemIsEditable);
    // Edit it as a user does: F2 on the cell, type, Enter.
    panel->table()->setCurrentItem(oodGroup);
    QTest::keyClick(panel->table(), Qt::Key_F2);
    auto* editor = panel->table()->viewport()->findChild<QLineEdit*>();
    QVERIFY(editor);
    QTest::keyClicks(editor, QStringLiteral("far"));
    QTest::keyClick(editor, Qt::Key_Return);
    // (The delegate commits the editor's text on a queued call.)
    QTRY_COMPARE(window.workspace()->config().datasets[std::size_t(ood)].group, std::string("far"));
    QVERIFY(window.workspace()->isModified());
    // Every edit reruns after the first run (from the kept features); the table has the group's mean.
    QTRY_VERIFY_WITH_TIMEOUT(window.result() && !window.result()->partial &&
                                 window.result()->config.datasets[std::size_t(ood)].group == "far",
                             kRunTimeoutMs);
    QStringList headers;
    const QTableWidget* table = window.resultsTable()->tableWidget();
    for (int c = 0; c < table->columnCount(); ++c)
        headers << table->horizontalHeaderItem(c)->text();
    const QString all = headers.join(QLatin1Char('|'));
    QVERIFY2(all.contains(QStringLiteral("far \u00b7 fashion-mnist")) && all.contains(QStringLiteral("far mean")),
             qPrintable(all));
}

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
