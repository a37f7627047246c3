// SPDX-License-Identifier: GPL-3.0-or-later
#include "MainWindow.h"

#include "AnalysisRunner.h"
#include "Demo.h"
#include "Error.h"
#include "HistogramView.h"
#include "MethodLabels.h"
#include "MethodListWidget.h"
#include "MetricsTableModel.h"
#include "OkabeIto.h"
#include "Resources.h"
#include "RocView.h"
#include "RunProgressWidget.h"
#include "Scores.h"
#include "Settings.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolBar>

namespace oodlens::ui {

namespace {

constexpr int kMaxWarningsInTooltip = 20;

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)), runner_(new AnalysisRunner(this))
{
    if (options_.methods.empty())
        options_.methods = defaultMethods();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("OOD Lens"));
    setWindowIcon(appIcon());

    buildActions();
    buildLayout();

    connect(runner_, &AnalysisRunner::progress, progress_, &RunProgressWidget::setProgress);
    connect(runner_, &AnalysisRunner::progress, this, &MainWindow::runProgress);
    connect(runner_, &AnalysisRunner::finished, this, &MainWindow::onFinished);
    connect(runner_, &AnalysisRunner::failed, this, &MainWindow::onFailed);
    connect(runner_, &AnalysisRunner::cancelled, this, &MainWindow::onCancelled);

    methodList_->setMethods(options_.methods);
    if (options_.persistSettings)
        restoreSettings();
    else
        resize(1280, 820);
    if (!options_.initialMethod.empty())
        methodList_->setCurrentMethod(QString::fromStdString(options_.initialMethod));
    setRunning(false);
    setStatus(tr("Ready: press F5 to run the demo analysis"));

    if (options_.autorun)
        QTimer::singleShot(0, this, [this]() { startRun(); });
}

MainWindow::~MainWindow()
{
    // The runner (a child) waits for its thread; make sure the engine is already stopping.
    runner_->cancel();
}

std::vector<std::string> MainWindow::defaultMethods()
{
    return {"gradnorm", "exgrad",   "gradnorm_autograd", "msp",        "maxlogit", "energy",
            "gini",     "gradterm", "feature_l1",        "feature_l2", "l1_x_msp"};
}

void MainWindow::buildActions()
{
    runAction_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Run demo analysis"), this);
    runAction_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)});
    runAction_->setToolTip(tr("Run the bundled demo: MNIST (ID) vs Fashion-MNIST (OOD) (Ctrl+R, F5)"));
    connect(runAction_, &QAction::triggered, this, [this]() { startRun(); });

    cancelAction_ = new QAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel"), this);
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelAction_->setToolTip(tr("Stop the running analysis (Esc)"));
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancelRun);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::buildLayout()
{
    histogram_ = new HistogramView(this);
    roc_ = new RocView(this);
    plotSplitter_ = new QSplitter(Qt::Horizontal, this);
    plotSplitter_->setObjectName(QStringLiteral("plotSplitter"));
    plotSplitter_->addWidget(histogram_);
    plotSplitter_->addWidget(roc_);
    plotSplitter_->setStretchFactor(0, 3);
    plotSplitter_->setStretchFactor(1, 2);
    plotSplitter_->setChildrenCollapsible(false);
    setCentralWidget(plotSplitter_);

    methodList_ = new MethodListWidget(this);
    connect(methodList_, &MethodListWidget::currentMethodChanged, this, &MainWindow::showMethod);
    auto* methodsDock = new QDockWidget(tr("Methods"), this);
    methodsDock->setObjectName(QStringLiteral("methodsDock"));
    methodsDock->setWidget(methodList_);
    methodsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                             QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, methodsDock);

    metricsModel_ = new MetricsTableModel(this);
    metricsProxy_ = new QSortFilterProxyModel(this);
    metricsProxy_->setSourceModel(metricsModel_);
    metricsProxy_->setSortRole(MetricsTableModel::SortRole);
    metricsView_ = new QTableView(this);
    metricsView_->setObjectName(QStringLiteral("metricsView"));
    metricsView_->setModel(metricsProxy_);
    metricsView_->setSortingEnabled(true);
    metricsView_->sortByColumn(-1, Qt::AscendingOrder); // run order until the user sorts
    metricsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    metricsView_->setSelectionMode(QAbstractItemView::SingleSelection);
    metricsView_->setAlternatingRowColors(true);
    metricsView_->verticalHeader()->setVisible(false);
    metricsView_->verticalHeader()->setDefaultSectionSize(metricsView_->fontMetrics().height() + 8);
    metricsView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    metricsView_->horizontalHeader()->setStretchLastSection(false);
    connect(metricsView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid())
                    methodList_->setCurrentMethod(current.data(MetricsTableModel::MethodIdRole).toString());
            });
    auto* metricsDock = new QDockWidget(tr("Metrics (percent)"), this);
    metricsDock->setObjectName(QStringLiteral("metricsDock"));
    metricsDock->setWidget(metricsView_);
    addDockWidget(Qt::BottomDockWidgetArea, metricsDock);
    resizeDocks({methodsDock}, {210}, Qt::Horizontal);
    resizeDocks({metricsDock}, {300}, Qt::Vertical);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(runAction_);
    file->addAction(cancelAction_);
    file->addSeparator();
    file->addAction(quitAction_);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    logCountsAction_ = view->addAction(tr("&Log counts"));
    logCountsAction_->setCheckable(true);
    logCountsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    logCountsAction_->setToolTip(tr("Show thin tails next to tall peaks (MSP piles most ID images into one bin)"));
    connect(logCountsAction_, &QAction::toggled, histogram_, &HistogramView::setLogCounts);
    view->addSeparator();
    view->addAction(methodsDock->toggleViewAction());
    view->addAction(metricsDock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About OOD Lens"), this, [this]() {
        QMessageBox::about(this, tr("About OOD Lens"),
                           tr("<b>OOD Lens</b> %1<br>Out-of-distribution detection workbench: gradient vs "
                              "non-gradient OOD scores.<br>Licensed under the GNU GPL v3 or later.")
                               .arg(QApplication::applicationVersion()));
    });

    auto* toolBar = addToolBar(tr("Run"));
    toolBar->setObjectName(QStringLiteral("runToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(runAction_);
    toolBar->addAction(cancelAction_);
    toolBar->addSeparator();
    toolBar->addAction(logCountsAction_);

    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName(QStringLiteral("statusLabel"));
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusLabel_->setMinimumWidth(120);
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(statusLabel_, 1);
    progress_ = new RunProgressWidget(cancelAction_, this);
    statusBar()->addPermanentWidget(progress_);
}

void MainWindow::restoreSettings()
{
    const Settings settings;
    if (!restoreGeometry(settings.windowGeometry()))
        resize(1280, 820);
    restoreState(settings.windowState());
    plotSplitter_->restoreState(settings.plotSplitterState());
    methodList_->setCurrentMethod(settings.currentMethod());
    logCountsAction_->setChecked(settings.logHistogramCounts());
}

void MainWindow::saveSettings()
{
    if (!options_.persistSettings)
        return;
    Settings settings;
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(saveState());
    settings.setPlotSplitterState(plotSplitter_->saveState());
    settings.setLogHistogramCounts(logCountsAction_->isChecked());
    if (!currentMethod().isEmpty())
        settings.setCurrentMethod(currentMethod());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    runner_->cancel();
    event->accept();
}

bool MainWindow::isRunning() const
{
    return runner_->isRunning();
}

QString MainWindow::currentMethod() const
{
    return methodList_->currentMethod();
}

bool MainWindow::setCurrentMethod(const QString& id)
{
    return methodList_->setCurrentMethod(id);
}

QString MainWindow::statusText() const
{
    return statusLabel_->text();
}

bool MainWindow::startRun()
{
    if (runner_->isRunning())
        return false;
    AnalysisConfig config;
    try {
        config = options_.configFactory ? options_.configFactory() : demoConfig();
    } catch (const Error& e) {
        const QString message = QString::fromStdString(e.what());
        setStatus(tr("Cannot start the analysis: %1").arg(message), true);
        emit runFailed(message);
        return false;
    }
    if (config.methods.empty())
        config.methods = options_.methods;
    if (!runner_->start(std::move(config)))
        return false;
    setRunning(true);
    progress_->begin();
    setStatus(tr("Running the analysis\u2026"));
    emit runStarted();
    return true;
}

void MainWindow::cancelRun()
{
    if (!runner_->isRunning() || runner_->isCancelRequested())
        return;
    runner_->cancel();
    progress_->setCancelling();
    setStatus(tr("Cancelling\u2026"));
}

void MainWindow::setRunning(bool running)
{
    runAction_->setEnabled(!running);
    cancelAction_->setEnabled(running);
}

void MainWindow::setStatus(const QString& text, bool error)
{
    statusLabel_->setText(text);
    statusLabel_->setToolTip(text);
    statusLabel_->setStyleSheet(error ? QStringLiteral("QLabel { color: #B3261E; font-weight: bold; }") : QString());
}

void MainWindow::onFinished(AnalysisResultPtr result)
{
    progress_->end();
    setRunning(false);
    result_ = std::move(result);
    metricsModel_->setRows(result_->metrics);

    const DatasetSummary& id = result_->datasets[static_cast<std::size_t>(result_->idIndex)];
    QStringList oodNames;
    std::size_t oodImages = 0;
    for (std::size_t i : result_->oodIndices) {
        oodNames << QString::fromStdString(result_->datasets[i].name);
        oodImages += result_->datasets[i].rows;
    }
    setWindowTitle(tr("OOD Lens: %1 vs %2").arg(QString::fromStdString(id.name), oodNames.join(QStringLiteral(", "))));

    QString text = tr("Scored %1 ID and %2 OOD images with %3 methods in %4 s")
                       .arg(id.rows)
                       .arg(oodImages)
                       .arg(result_->methods.size())
                       .arg(result_->seconds, 0, 'f', 1);
    bool fromCache = true;
    for (std::size_t i : result_->oodIndices)
        fromCache = fromCache && result_->datasets[i].fromCache;
    if (fromCache && id.fromCache)
        text += tr(" (features from the cache)");
    setStatus(text);
    if (!result_->warnings.empty()) {
        statusLabel_->setText(
            text + tr(" (%n warning(s), hover for details)", nullptr, static_cast<int>(result_->warnings.size())));
        QStringList lines;
        for (std::size_t i = 0; i < result_->warnings.size() && i < kMaxWarningsInTooltip; ++i)
            lines << QString::fromStdString(result_->warnings[i]);
        if (result_->warnings.size() > kMaxWarningsInTooltip)
            lines << tr("\u2026 and %1 more").arg(result_->warnings.size() - kMaxWarningsInTooltip);
        statusLabel_->setToolTip(lines.join(QLatin1Char('\n')));
    }

    // setMethods announces the current method, which redraws both plots.
    methodList_->setMethods(result_->methods);
    selectMetricsRowOf(currentMethod());
    emit runFinished();
}

void MainWindow::onFailed(const QString& message)
{
    progress_->end();
    setRunning(false);
    setStatus(tr("Run failed: %1").arg(message), true);
    emit runFailed(message);
}

void MainWindow::onCancelled()
{
    progress_->end();
    setRunning(false);
    setStatus(result_ ? tr("Run cancelled; showing the previous results") : tr("Run cancelled"));
    emit runCancelled();
}

void MainWindow::showMethod(const QString& id)
{
    selectMetricsRowOf(id);
    if (!result_) {
        histogram_->clearScores(tr("Run the analysis to see the score histograms"));
        roc_->clearCurves(tr("Run the analysis to see the ROC curve"));
        return;
    }
    const std::string method = id.toStdString();
    const QString label = methodDisplayLabel(method);
    if (result_->scores.find(method) == result_->scores.end()) {
        histogram_->clearScores(tr("%1 was not scored in this run").arg(label));
        roc_->clearCurves(tr("%1 was not scored in this run").arg(label));
        return;
    }

    const auto idIndex = static_cast<std::size_t>(result_->idIndex);
    const std::vector<double>& idScores = result_->scoresOf(method, idIndex);
    std::vector<ScoreSeries> histogramSeries;
    histogramSeries.push_back(
        {tr("ID: %1").arg(QString::fromStdString(result_->datasets[idIndex].name)), datasetColor(0), idScores});
    std::vector<RocSeries> rocSeries;
    int slot = 1;
    for (std::size_t ood : result_->oodIndices) {
        const QString name = QString::fromStdString(result_->datasets[ood].name);
        const QColor color = datasetColor(slot++);
        const std::vector<double>& oodScores = result_->scoresOf(method, ood);
        histogramSeries.push_back({tr("OOD: %1").arg(name), color, oodScores});
        const MetricsRow* row = result_->metricsOf(method, result_->datasets[ood].name);
        if (row)
            rocSeries.push_back({name, color, rocCurve(idScores, oodScores), row->metrics.auroc});
    }
    histogram_->showScores(label, histogramSeries);
    roc_->showCurves(label, rocSeries);
}

void MainWindow::selectMetricsRowOf(const QString& id)
{
    const QModelIndex current = metricsView_->currentIndex();
    if (current.isValid() && current.data(MetricsTableModel::MethodIdRole).toString() == id)
        return;
    const int row = metricsModel_->firstRowOf(id);
    if (row < 0)
        return;
    const QModelIndex target = metricsProxy_->mapFromSource(metricsModel_->index(row, 0));
    metricsView_->setCurrentIndex(target);
    metricsView_->scrollTo(target);
}

} // namespace oodlens::ui
