// SPDX-License-Identifier: GPL-3.0-or-later
// The analysis workspace on the demo, offscreen: one threshold kept in sync across the histogram,
// the ROC and PR operating points and the readouts; a parameter change rescores from kept features
// without running the model; drops add datasets; sessions round-trip; metrics export through core;
// the GUI thread stays responsive during a run.
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"
#include "docks/DatasetsPanel.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "methods/Scores.h"
#include "plots/HistogramView.h"
#include "app/MainWindow.h"
#include "docks/MethodListWidget.h"
#include "docks/MethodParamsEditor.h"
#include "plots/MetricsTableModel.h"
#include "plots/PrView.h"
#include "io/SessionFile.h"
#include "plots/RocView.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "docks/ThresholdPanel.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kRunTimeoutMs = 120000;

MainWindowOptions options(std::vector<std::string> methods = {"energy", "msp", "gradnorm"})
{
    MainWindowOptions o;
    o.autorun = false;
    o.persistSettings = false;
    o.methods = std::move(methods);
    o.method = "energy";
    return o;
}

bool runToEnd(MainWindow& window)
{
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    if (!window.startRun())
        return false;
    return QTest::qWaitFor([&]() { return finished.count() + failed.count() > 0; }, kRunTimeoutMs) && failed.isEmpty();
}

// Sends a left-button mouse event to `plot` at `pos`.
void mouse(QWidget* plot, QEvent::Type type, QPoint pos)
{
    const Qt::MouseButtons buttons = type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent event(type, QPointF(pos), plot->mapToGlobal(QPointF(pos)), Qt::LeftButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(plot, &event);
}

} // namespace

class TestWorkspace : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void thresholdStaysInSyncAcrossViews();
    void draggingTheLineMovesTheThreshold();
    void presetsSetTheThreshold();
    void parameterChangeRescoresWithoutRunningTheModel();
    void fittedBaselinesUseTheFitSetAndKeepTheModelIdle();
    void overlayDrawsEveryCheckedMethod();
    void droppingAFolderAddsADataset();
    void badDatasetIsReportedBesideItAndTheRunGoesOn();
    void sessionRoundTrip();
    void missingFileOnReopenIsNamed();
    void metricsExportThroughCore();
    void guiThreadStaysResponsiveDuringARun();

private:
    QTemporaryDir cache_;
    QTemporaryDir dir_;
};

void TestWorkspace::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(cache_.isValid());
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cache_.path()));
    initRuntime(1);
    try {
        demoDirectory();
    } catch (const Error& e) {
        QFAIL(e.what());
    }
}

void TestWorkspace::thresholdStaysInSyncAcrossViews()
{
    MainWindow window(options());
    window.show();
    QVERIFY(runToEnd(window));
    const RunResultPtr r = window.result();
    QVERIFY(r);
    Workspace* session = window.session();
    QCOMPARE(session->currentMethod(), QStringLiteral("energy"));
    const std::size_t id = std::size_t(r->idIndex), ood = r->oodIndices.front();
    const std::vector<double>& idScores = r->scoresOf("energy", id);
    const std::vector<double>& oodScores = r->scoresOf("energy", ood);

    // The first threshold keeps 95% of ID (core's threshold95).
    QCOMPARE(session->threshold(), r->metricsOf("energy", r->datasets[ood].name)->metrics.threshold95);

    for (double t : {5.0, 8.0, 11.5}) {
        session->setThreshold(t);
        QCOMPARE(window.histogramPlot()->threshold(), t);
        QCOMPARE(window.histogramPlot()->thresholdLine()->point1->coords().x(), t);
        QVERIFY(window.histogramPlot()->thresholdLine()->visible());
        const OperatingPoint expected = operatingPoint(idScores, oodScores, t);
        const QCPItemTracer* roc = window.rocPlot()->operatingPoints().front();
        QVERIFY(roc->visible());
        QCOMPARE(roc->position->coords(), QPointF(expected.fpr_id, expected.tpr_id));
        const QCPItemTracer* pr = window.prPlot()->operatingPoints().front();
        QCOMPARE(pr->position->coords().x(), expected.tpr_id);
        const ThresholdPanel* panel = window.thresholdPanel();
        QCOMPARE(panel->shownRates().size(), std::size_t(1));
        QCOMPARE(panel->shownRates().front().tpr_id, expected.tpr_id);
        QCOMPARE(panel->shownRates().front().fpr_id, expected.fpr_id);
        QCOMPARE(panel->shownRates().front().fpr_ood, expected.fpr_ood);
        QCOMPARE(panel->shownRates().front().tpr_ood, expected.tpr_ood);
        const auto accepted =
            std::size_t(std::count_if(idScores.begin(), idScores.end(), [t](double v) { return v >= t; }));
        QCOMPARE(panel->shownAccepted(id), accepted);
        QCOMPARE(panel->shownFlagged(id), idScores.size() - accepted);
        QCOMPARE(panel->valueEdit()->text().toDouble(), t);
        QVERIFY(panel->ratesText().contains(QStringLiteral("ID+")));
        QVERIFY(panel->ratesText().contains(QStringLiteral("OOD+")));
    }

    // A typed value goes through the session too.
    QLineEdit* edit = window.thresholdPanel()->valueEdit();
    edit->setText(QStringLiteral("9.25"));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(session->threshold(), 9.25);
    QCOMPARE(window.histogramPlot()->threshold(), 9.25);

    // Switching method keeps the operating point: the same share of ID accepted.
    const double before = double(window.thresholdPanel()->shownAccepted(id)) / double(idScores.size());
    QVERIFY(window.setCurrentMethod(QStringLiteral("msp")));
    QCOMPARE(session->currentMethod(), QStringLiteral("msp"));
    const double after = double(window.thresholdPanel()->shownAccepted(id)) / double(idScores.size());
    QVERIFY2(after >= before - 1e-9 && after <= before + 0.05,
             qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
}

void TestWorkspace::draggingTheLineMovesTheThreshold()
{
    MainWindow window(options());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(runToEnd(window));
    HistogramView* h = window.histogramPlot();
    h->replot();
    const double t0 = window.session()->threshold();
    const int y = int(h->axisRect()->center().y());
    const int x0 = int(std::lround(h->xAxis->coordToPixel(t0)));
    const int x1 = x0 + 40;
    mouse(h, QEvent::MouseButtonPress, QPoint(x0, y));
    mouse(h, QEvent::MouseMove, QPoint(x0 + 20, y));
    mouse(h, QEvent::MouseMove, QPoint(x1, y));
    mouse(h, QEvent::MouseButtonRelease, QPoint(x1, y));
    const double expected = h->xAxis->pixelToCoord(x1);
    QCOMPARE(window.session()->threshold(), expected);
    QCOMPARE(h->threshold(), expected);
    // The x range did not move: the press grabbed the line, not the axis.
    QCOMPARE(h->xAxis->coordToPixel(expected), double(x1));
}

void TestWorkspace::presetsSetTheThreshold()
{
    MainWindow window(options());
    QVERIFY(runToEnd(window));
    ThresholdPanel* panel = window.thresholdPanel();
    const RunResultPtr r = window.result();
    const std::size_t id = std::size_t(r->idIndex), ood = r->oodIndices.front();
    window.session()->setThreshold(0.0);
    panel->tpr95Button()->click();
    QCOMPARE(window.session()->threshold(), r->metricsOf("energy", r->datasets[ood].name)->metrics.threshold95);
    QVERIFY(panel->shownRates().front().tpr_id >= 0.95);
    panel->fprSpin()->setValue(1.0);
    panel->fprButton()->click();
    QVERIFY(panel->shownRates().front().fpr_id <= 0.01);
    panel->youdenButton()->click();
    const OperatingPoint j =
        operatingPoint(r->scoresOf("energy", id), r->scoresOf("energy", ood), window.session()->threshold());
    QVERIFY(j.tpr_id - j.fpr_id > 0.9);
}

void TestWorkspace::parameterChangeRescoresWithoutRunningTheModel()
{
    MainWindow window(options());
    QVERIFY(runToEnd(window));
    AnalysisRunner* runner = window.runner();
    const int loads = runner->modelLoads(), extractions = runner->extractions(), passes = runner->modelPasses();
    QCOMPARE(loads, 1);
    const RunResultPtr before = window.result();

    QSignalSpy finished(&window, &MainWindow::runFinished);
    QDoubleSpinBox* t = window.paramsEditor()->editorFor(QStringLiteral("T"));
    QVERIFY(t);
    t->setValue(2.0); // what the user's edit does
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    const RunResultPtr after = window.result();
    QVERIFY(after != before);
    QCOMPARE(runner->modelLoads(), loads);
    QCOMPARE(runner->extractions(), extractions);
    QCOMPARE(runner->modelPasses(), passes);
    QCOMPARE(after->params.resolve("energy").get("T"), 2.0);

    // Energy at T = 2 equals the engine's computeScores on the same features.
    ScoreParams params;
    params.set("energy.T", 2.0);
    const std::size_t id = std::size_t(after->idIndex);
    const std::vector<double> expected = computeScores("energy", *after->features[id], after->head, params);
    const std::vector<double>& got = after->scoresOf("energy", id);
    QCOMPARE(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        QVERIFY(std::abs(got[i] - expected[i]) <= 1e-9 * (1 + std::abs(expected[i])));
    QVERIFY(std::abs(got[0] - before->scoresOf("energy", id)[0]) > 1e-6); // it did change
    // Other methods keep their parameters; the histogram and table show the new scores.
    QCOMPARE(after->scoresOf("msp", id), before->scoresOf("msp", id));
    const MetricsRow* row = after->metricsOf("energy", after->datasets[after->oodIndices.front()].name);
    QVERIFY(row);
    bool shown = false;
    for (const MetricsRow& r : window.metricsModel()->rows())
        shown = shown || (r.method == "energy" && r.metrics.auroc == row->metrics.auroc);
    QVERIFY(shown);

    // Checking another method scores it, still without the model.
    window.methodList()->setChecked(QStringLiteral("maxlogit"), true);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kRunTimeoutMs);
    QVERIFY(!window.result()->scoresOf("maxlogit", id).empty());
    QCOMPARE(runner->modelPasses(), passes);
}

void TestWorkspace::fittedBaselinesUseTheFitSetAndKeepTheModelIdle()
{
    MainWindow window(options());
    // The demo configures a fit set: every fitted baseline can be checked before any run; ASH and
    // ODIN need none and are always enabled.
    bool hasFit = false;
    for (const DatasetSpec& d : window.config().datasets)
        hasFit = hasFit || d.role == DatasetRole::Fit;
    QVERIFY(hasFit);
    for (const char* id : {"mahalanobis", "knn", "react", "ash", "vim", "odin"}) {
        const QList<QListWidgetItem*> items = window.methodList()->findItems(QStringLiteral("*"), Qt::MatchWildcard);
        bool found = false;
        for (QListWidgetItem* item : items)
            if (item->data(MethodListWidget::MethodIdRole).toString() == QLatin1String(id)) {
                found = true;
                QVERIFY2(item->flags() & Qt::ItemIsEnabled, id);
                QVERIFY2(item->flags() & Qt::ItemIsUserCheckable, id);
                // Unchecked is not disabled: no greyed-out colour.
                QVERIFY2(!item->data(Qt::ForegroundRole).isValid(), id);
            }
        QVERIFY2(found, id);
    }
    QVERIFY(runToEnd(window));
    for (QListWidgetItem* item : window.methodList()->findItems(QStringLiteral("*"), Qt::MatchWildcard))
        if (item->data(MethodListWidget::MethodIdRole).toString() == QLatin1String("knn"))
            QVERIFY(!item->data(Qt::ForegroundRole).isValid());
    // Without a fit set only the baselines that need one are disabled.
    {
        MethodListWidget list;
        list.setFitSetAvailable(false);
        list.setChecked(QStringLiteral("knn"), true);
        list.setChecked(QStringLiteral("ash"), true);
        list.setChecked(QStringLiteral("odin"), true);
        QCOMPARE(list.checkedMethods(), (std::vector<std::string>{"ash", "odin"}));
        list.setFitSetAvailable(true);
        QVERIFY(list.isChecked(QStringLiteral("knn")));
    }
    AnalysisRunner* runner = window.runner();
    const int passesBefore = runner->modelPasses();

    // Checking KNN extracts the fit set (on the worker) and scores it.
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.methodList()->setChecked(QStringLiteral("knn"), true);
    QVERIFY(window.methodList()->isChecked(QStringLiteral("knn")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    RunResultPtr result = window.result();
    const std::size_t id = std::size_t(result->idIndex);
    QVERIFY(!result->scoresOf("knn", id).empty());
    const int passes = runner->modelPasses();
    QVERIFY(passes >= passesBefore); // the fit set may have come from the cache

    // Its parameters are in the Methods dock; k 50 -> 5 rescores without the model.
    QVERIFY(window.setCurrentMethod(QStringLiteral("knn")));
    QDoubleSpinBox* k = window.paramsEditor()->editorFor(QStringLiteral("k"));
    QVERIFY(k);
    QCOMPARE(k->value(), 50.0);
    k->setValue(5.0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kRunTimeoutMs);
    result = window.result();
    QCOMPARE(runner->modelPasses(), passes);
    QCOMPARE(result->params.resolve("knn").get("k"), 5.0);

    // The scores equal core's fitted KNN at k = 5 on the same features.
    int fit = -1;
    for (std::size_t i = 0; i < result->datasets.size(); ++i)
        if (result->datasets[i].role == DatasetRole::Fit)
            fit = int(i);
    QVERIFY(fit >= 0);
    QVERIFY(result->features[std::size_t(fit)]->rows > 0);
    ScoreParams params;
    params.set("knn.k", 5.0);
    const std::unique_ptr<FittedScorer> scorer =
        fitScorer("knn", result->features[std::size_t(fit)].get(), result->head, params);
    for (std::size_t d : {id, result->oodIndices.front()}) {
        const std::vector<double> expected = scorer->score(*result->features[d], nullptr);
        const std::vector<double>& got = result->scoresOf("knn", d);
        QCOMPARE(got.size(), expected.size());
        for (std::size_t i = 0; i < got.size(); ++i)
            QVERIFY(std::abs(got[i] - expected[i]) <= 1e-9 * (1 + std::abs(expected[i])));
    }
    // The table shows the new KNN row.
    const MetricsRow* row = result->metricsOf("knn", result->datasets[result->oodIndices.front()].name);
    QVERIFY(row);
    bool shown = false;
    for (const MetricsRow& r : window.metricsModel()->rows())
        shown = shown || (r.method == "knn" && r.metrics.auroc == row->metrics.auroc);
    QVERIFY(shown);

    // ReAct's percentile: also a rescore from kept features.
    window.methodList()->setChecked(QStringLiteral("react"), true);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, kRunTimeoutMs);
    QVERIFY(window.setCurrentMethod(QStringLiteral("react")));
    QDoubleSpinBox* p = window.paramsEditor()->editorFor(QStringLiteral("p"));
    QVERIFY(p);
    p->setValue(80.0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, kRunTimeoutMs);
    QCOMPARE(window.result()->params.resolve("react").get("p"), 80.0);
    QVERIFY(!window.result()->scoresOf("react", id).empty());
    QCOMPARE(runner->modelPasses(), passes);
}

void TestWorkspace::overlayDrawsEveryCheckedMethod()
{
    MainWindow window(options());
    QVERIFY(runToEnd(window));
    QCOMPARE(window.rocPlot()->curves().size(), std::size_t(1));
    window.overlayAction()->setChecked(true);
    QCOMPARE(window.rocPlot()->curves().size(), std::size_t(3));
    QCOMPARE(window.prPlot()->curves().size(), std::size_t(3));
    for (const QCPItemTracer* tracer : window.rocPlot()->operatingPoints())
        QVERIFY(tracer->visible());
    QSet<QRgb> colours;
    for (const QCPCurve* c : window.rocPlot()->curves())
        colours.insert(c->pen().color().rgb());
    QCOMPARE(colours.size(), 3);
    // 4001 ROC points are thinned for drawing, and the plot says so.
    QVERIFY(window.rocPlot()->totalPoints(0) > RocView::kMaxDrawnPoints);
    QVERIFY(window.rocPlot()->isDecimated());
    QVERIFY(window.rocPlot()->note().contains(QStringLiteral("metrics use all")));
}

void TestWorkspace::droppingAFolderAddsADataset()
{
    MainWindow window(options());
    window.show();
    const int rows = window.datasetsPanel()->rowCount();
    const QString folder = dir_.filePath(QStringLiteral("dropped-set"));
    QVERIFY(QDir().mkpath(folder));
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(folder)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    QCOMPARE(window.datasetsPanel()->rowCount(), rows + 1);
    const DatasetSpec& added = window.config().datasets.back();
    QCOMPARE(QString::fromStdString(added.path), QFileInfo(folder).absoluteFilePath());
    QCOMPARE(added.role, DatasetRole::Ood); // the demo already has an ID set
    QCOMPARE(window.datasetsPanel()->text(rows, DatasetsPanel::NameColumn), QStringLiteral("dropped-set"));
    delete mime;
}

void TestWorkspace::badDatasetIsReportedBesideItAndTheRunGoesOn()
{
    MainWindow window(options({"energy"}));
    window.show();
    QVERIFY(window.addDataset({"broken", "/nonexistent/oodlens-test/broken-set", DatasetRole::Ood}));
    QVERIFY(runToEnd(window));
    // The run finished with the good OOD set; the bad one says why, in its own row.
    QCOMPARE(window.result()->oodIndices.size(), std::size_t(1));
    const DatasetsPanel* panel = window.datasetsPanel();
    int broken = -1;
    for (int r = 0; r < panel->rowCount(); ++r)
        if (panel->text(r, DatasetsPanel::NameColumn) == QStringLiteral("broken"))
            broken = r;
    QVERIFY(broken >= 0);
    QVERIFY2(panel->text(broken, DatasetsPanel::StatusColumn).contains(QStringLiteral("broken-set")),
             qPrintable(panel->text(broken, DatasetsPanel::StatusColumn)));
    QVERIFY(panel->text(0, DatasetsPanel::StatusColumn).startsWith(QStringLiteral("ready")));
}

void TestWorkspace::sessionRoundTrip()
{
    const QString path = dir_.filePath(QStringLiteral("round.oodlens"));
    double threshold = 0;
    {
        MainWindow window(options());
        QVERIFY(runToEnd(window));
        window.setParam(QStringLiteral("energy.T"), 3.0);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
        window.densityAction()->setChecked(true);
        window.binsSpin()->setValue(37);
        window.session()->setThreshold(7.5);
        threshold = window.session()->threshold();
        QVERIFY(window.saveSession(path));
        QVERIFY(!QFile::exists(path + QStringLiteral(".tmp")));
    }
    const SessionFile saved = SessionFile::read(path.toStdString());
    QCOMPARE(saved.config.params.resolve("energy").get("T"), 3.0);
    QCOMPARE(saved.config.datasets.size(), demoConfig().datasets.size());

    MainWindow window(options({"msp"}));
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QVERIFY(window.openSession(path));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    QCOMPARE(window.runner()->modelPasses(), 0); // every dataset came from the feature cache
    QCOMPARE(window.currentMethod(), QStringLiteral("energy"));
    QCOMPARE(window.session()->threshold(), threshold);
    QVERIFY(window.densityAction()->isChecked());
    QCOMPARE(window.binsSpin()->value(), 37);
    QCOMPARE(window.histogramPlot()->histogram().bins(), std::size_t(37));
    QCOMPARE(window.result()->params.resolve("energy").get("T"), 3.0);
    std::vector<std::string> checked = window.methodList()->checkedMethods();
    QCOMPARE(checked.size(), std::size_t(3));
    QVERIFY(window.statusText().startsWith(QStringLiteral("Scored")));
    QVERIFY(window.statusText().contains(QStringLiteral("cache")));
}

void TestWorkspace::missingFileOnReopenIsNamed()
{
    SessionFile p;
    p.config = demoConfig();
    p.config.datasets.push_back({"gone", "/nonexistent/oodlens-test/gone-set", DatasetRole::Ood});
    const QString path = dir_.filePath(QStringLiteral("missing.oodlens"));
    p.write(path.toStdString());
    MainWindow window(options());
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QVERIFY(window.openSession(path));
    QVERIFY(window.statusText().contains(QStringLiteral("/nonexistent/oodlens-test/gone-set")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);

    MainWindow other(options());
    QVERIFY(!other.openSession(dir_.filePath(QStringLiteral("no-such.oodlens"))));
    QVERIFY(other.statusText().contains(QStringLiteral("no-such.oodlens")));
}

void TestWorkspace::metricsExportThroughCore()
{
    MainWindow window(options());
    QVERIFY(runToEnd(window));
    for (const char* name : {"m.csv", "m.md", "m.tex"}) {
        const QString path = dir_.filePath(QString::fromLatin1(name));
        QVERIFY2(window.exportMetrics(path), qPrintable(window.statusText()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.contains("energy") || text.contains("Energy"));
    }
    QVERIFY(!window.exportMetrics(dir_.filePath(QStringLiteral("m.xyz"))));
    const QString text = window.metricsText();
    QVERIFY(text.startsWith(QStringLiteral("Method\t")));
    QCOMPARE(text.count(QLatin1Char('\n')), 1 + window.metricsModel()->rowCount());
    // The best AUROC of the OOD set is highlighted.
    int best = 0;
    for (int r = 0; r < window.metricsModel()->rowCount(); ++r)
        best += window.metricsModel()->isBest(r, MetricsTableModel::AurocColumn) ? 1 : 0;
    QVERIFY(best >= 1);
}

void TestWorkspace::guiThreadStaysResponsiveDuringARun()
{
    // A fresh cache, so that the run extracts with the model (the heavy part) on the worker thread.
    QTemporaryDir fresh;
    MainWindowOptions o = options({"energy", "msp"});
    o.configFactory = [path = fresh.path().toStdString()]() {
        RunConfig c = demoConfig();
        c.cacheDir = path;
        return c;
    };
    MainWindow window(o);
    window.show();
    QElapsedTimer clock;
    qint64 last = 0, maxGap = 0;
    int ticks = 0;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&timer, &QTimer::timeout, [&]() {
        const qint64 now = clock.elapsed();
        maxGap = std::max(maxGap, now - last);
        last = now;
        ++ticks;
    });
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QVERIFY(window.startRun());
    clock.start();
    timer.start(10);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
    timer.stop();
    qInfo("run took %lld ms, %d timer ticks, longest gap between 10 ms ticks: %lld ms", clock.elapsed(), ticks, maxGap);
    QVERIFY(window.runner()->modelPasses() >= 2);
    // Work on the GUI thread would stall the timer for most of the run (the extraction alone is
    // most of it). A fixed millisecond bound would be a timed test that a loaded or sanitised
    // machine fails; the share of the run is not.
    const qint64 run = clock.elapsed();
    QVERIFY2(ticks >= 5, qPrintable(QStringLiteral("%1 timer ticks during a %2 ms run").arg(ticks).arg(run)));
    QVERIFY2(maxGap < run / 4,
             qPrintable(QStringLiteral("GUI thread blocked for %1 ms of a %2 ms run").arg(maxGap).arg(run)));
}

QTEST_MAIN(TestWorkspace)
#include "test_workspace.moc"
