// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/MainWindow.h"

#include "app/ErrorDetails.h"
#include "app/ExportActions.h"
#include "apply/ApplyView.h"
#include "app/Resources.h"
#include "app/SessionActions.h"
#include "app/ShortcutsDialog.h"
#include "common/Error.h"
#include "docks/DatasetsPanel.h"
#include "docks/MethodListWidget.h"
#include "docks/MethodsPanel.h"
#include "docks/MetricsPanel.h"
#include "docks/ModelPanel.h"
#include "docks/PreprocessPanel.h"
#include "docks/RunProgressWidget.h"
#include "docks/ThresholdPanel.h"
#include "explore/ExplorePanel.h"
#include "factors/FactorsView.h"
#include "sweep/SweepView.h"
#include "methods/Scores.h"
#include "plots/HistogramView.h"
#include "plots/ResultsTableView.h"
#include "plots/ScorePlotsPanel.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/RunController.h"
#include "workspace/Settings.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QShowEvent>
#include <QSplitter>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <algorithm>

namespace oodlens::ui {

namespace {

QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content, QWidget* parent)
{
    auto* dock = new QDockWidget(title, parent);
    dock->setObjectName(name);
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    return dock;
}

QAction* makeAction(const QString& text, const QKeySequence& shortcut, QObject* parent, const QIcon& icon = {})
{
    auto* action = new QAction(icon, text, parent);
    action->setShortcut(shortcut);
    return action;
}

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)), workspace_(new Workspace(this)),
      run_(new RunController(workspace_, options_.configFactory, this))
{
    if (options_.methods.empty())
        options_.methods = defaultMethods();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("OOD Lens"));
    setWindowIcon(appIcon());
    setAcceptDrops(true);

    buildActions();
    buildLayout();
    buildMenus();
    connectRuns();

    workspace_->setMethods(options_.methods);
    defaultState_ = saveState();
    if (options_.persistSettings)
        restoreSettings();
    else
        resize(1400, 900);
    if (!options_.method.empty())
        setCurrentMethod(QString::fromStdString(options_.method));
    setStatus(tr("Ready: press Ctrl+R to run the analysis"));

    if (!options_.sessionFile.isEmpty()) {
        sessionActions_->openSession(options_.sessionFile);
        startupProblem_ = sessionActions_->openProblem();
    } else {
        try {
            run_->ensureConfig();
        } catch (const Error&) {
            // Reported when a run is asked for.
        }
        if (options_.autorun)
            QTimer::singleShot(0, this, [this]() { startRun(); });
    }
}

MainWindow::~MainWindow() = default;

std::vector<std::string> MainWindow::defaultMethods()
{
    return oodlens::defaultMethods(PanelGui);
}

void MainWindow::buildActions()
{
    QStyle* s = style();
    runAction_ = new QAction(s->standardIcon(QStyle::SP_MediaPlay), tr("&Run analysis"), this);
    runAction_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)});
    runAction_->setToolTip(tr("Extract what is new and score every checked method (Ctrl+R, F5)"));
    cancelAction_ = makeAction(tr("&Cancel"), Qt::Key_Escape, this, s->standardIcon(QStyle::SP_BrowserStop));
    cancelAction_->setToolTip(tr("Stop the running analysis (Esc)"));
    openModelAction_ =
        makeAction(tr("&Open model\u2026"), Qt::CTRL | Qt::Key_O, this, s->standardIcon(QStyle::SP_DialogOpenButton));
    addDatasetAction_ = makeAction(tr("Add &dataset\u2026"), Qt::CTRL | Qt::Key_D, this,
                                   s->standardIcon(QStyle::SP_FileDialogNewFolder));
    openSessionAction_ = makeAction(tr("Open &session\u2026"), Qt::CTRL | Qt::SHIFT | Qt::Key_O, this);
    saveSessionAction_ =
        makeAction(tr("&Save session"), Qt::CTRL | Qt::Key_S, this, s->standardIcon(QStyle::SP_DialogSaveButton));
    saveSessionAsAction_ = makeAction(tr("Save session &as\u2026"), Qt::CTRL | Qt::SHIFT | Qt::Key_S, this);
    exportFigureAction_ = makeAction(tr("&Export figure\u2026"), Qt::CTRL | Qt::Key_E, this);
    exportFigureAction_->setToolTip(tr("Save a plot as PDF, SVG or PNG at a paper column's size (Ctrl+E)"));
    exportMetricsAction_ = makeAction(tr("Export &metrics\u2026"), Qt::CTRL | Qt::SHIFT | Qt::Key_E, this);
    exportReportAction_ = new QAction(tr("Export &report\u2026"), this);
    exportReportAction_->setToolTip(
        tr("Write the factor analysis as report.html, report.pdf, factors.tex and its figures into a folder"));
    exportDetectorAction_ = makeAction(tr("Export &detector…"), Qt::CTRL | Qt::SHIFT | Qt::Key_D, this);
    exportDetectorAction_->setToolTip(tr("Save the current method at the current threshold as a detector file, for "
                                         "oodlens-cli apply and the Apply tab (Ctrl+Shift+D)"));
    quitAction_ = makeAction(tr("&Quit"), Qt::CTRL | Qt::Key_Q, this);
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    logCountsAction_ = makeAction(tr("&Log counts"), Qt::CTRL | Qt::Key_L, this);
    logCountsAction_->setCheckable(true);
    logCountsAction_->setToolTip(tr("Show thin tails next to tall peaks (MSP piles most ID images into one bin)"));
    densityAction_ = new QAction(tr("&Density"), this);
    densityAction_->setCheckable(true);
    densityAction_->setToolTip(tr("Scale each dataset to unit area, so that sets of different sizes compare"));
    overlayAction_ = makeAction(tr("&Overlay checked methods on the curves"), Qt::CTRL | Qt::Key_M, this);
    overlayAction_->setCheckable(true);
    overlayAction_->setToolTip(tr("Draw the ROC and precision-recall curves of every checked method, not only the "
                                  "current one; other methods are marked at the same ID TPR"));
    autoRunAction_ = new QAction(tr("Re-run on every &change"), this);
    autoRunAction_->setCheckable(true);
    autoRunAction_->setChecked(run_->autoRun());
    autoRunAction_->setToolTip(tr("Once the analysis has run, every change of the model, preprocessing, datasets, "
                                  "methods or parameters runs it again (only what changed is recomputed)"));
    connect(autoRunAction_, &QAction::toggled, run_, &RunController::setAutoRun);
    bootstrapAction_ = new QAction(tr("&Bootstrap intervals (1000 resamples)"), this);
    bootstrapAction_->setCheckable(true);
    bootstrapAction_->setToolTip(tr("Add seeded 95% bootstrap confidence intervals to every metric"));
    connect(runAction_, &QAction::triggered, run_, [this]() { run_->startRun(); });
    connect(cancelAction_, &QAction::triggered, run_, &RunController::cancelRun);
    connect(bootstrapAction_, &QAction::toggled, run_, &RunController::setBootstrap);
}

void MainWindow::buildLayout()
{
    // The central tabs: the score plots, and every image in the explorer.
    plots_ = new ScorePlotsPanel(workspace_, this);
    for (auto [action, check] : {std::pair{logCountsAction_, plots_->logCheck()}, {densityAction_, plots_->densityCheck()}}) {
        check->setToolTip(action->toolTip());
        connect(check, &QCheckBox::toggled, action, &QAction::setChecked);
        connect(action, &QAction::toggled, check, &QCheckBox::setChecked);
    }
    connect(overlayAction_, &QAction::toggled, plots_, &ScorePlotsPanel::setOverlay);
    centralTabs_ = new QTabWidget(this);
    centralTabs_->setObjectName(QStringLiteral("centralTabs"));
    centralTabs_->setDocumentMode(true);
    centralTabs_->addTab(plots_, tr("Analysis"));
    explorePanel_ = new ExplorePanel(workspace_, this);
    // In a scroll area, so that the explorer's minimum size never forces the window's.
    auto* exploreScroll = new QScrollArea(this);
    exploreScroll->setWidgetResizable(true);
    exploreScroll->setFrameShape(QFrame::NoFrame);
    exploreScroll->setWidget(explorePanel_);
    centralTabs_->addTab(exploreScroll, tr("Explore"));
    centralTabs_->setTabToolTip(ExploreTab, tr("Every image: gallery, score-vs-score scatter, disagreements, inspector"));
    // Are gradients needed? The gradient score against its factors and the non-gradient family.
    factorsView_ = new FactorsView(workspace_, options_.persistSettings, this);
    auto* factorsScroll = new QScrollArea(this);
    factorsScroll->setWidgetResizable(true);
    factorsScroll->setFrameShape(QFrame::NoFrame);
    factorsScroll->setWidget(factorsView_);
    centralTabs_->addTab(factorsScroll, tr("Gradients?"));
    centralTabs_->setTabToolTip(FactorsTab, tr("Are gradients needed? The gradient score against its feature term, "
                                               "its output term and the best non-gradient family member, with "
                                               "intervals, costs and a verdict"));
    // Honest hyperparameter selection: a method's grid scored on the validation pair only.
    sweepView_ = new SweepView(workspace_, this);
    auto* sweepScroll = new QScrollArea(this);
    sweepScroll->setWidgetResizable(true);
    sweepScroll->setFrameShape(QFrame::NoFrame);
    sweepScroll->setWidget(sweepView_);
    centralTabs_->addTab(sweepScroll, tr("Sweep"));
    centralTabs_->setTabToolTip(SweepTab, tr("Choose a method's parameters on a validation pair (never on the test OOD "
                                             "sets), with validation and test metrics side by side"));
    // From analysis to decision: a detector applied to new images.
    applyView_ = new ApplyView(workspace_, this);
    auto* applyScroll = new QScrollArea(this);
    applyScroll->setWidgetResizable(true);
    applyScroll->setFrameShape(QFrame::NoFrame);
    applyScroll->setWidget(applyView_);
    centralTabs_->addTab(applyScroll, tr("Apply"));
    centralTabs_->setTabToolTip(ApplyTab, tr("Apply a detector (a saved one, or the current method at the threshold) "
                                             "to new images: which are flagged, their scores against the "
                                             "calibration's, the list to export"));
    setCentralWidget(centralTabs_);

    // The docks, each a view of the workspace.
    methodsPanel_ = new MethodsPanel(workspace_, this);
    QDockWidget* methodsDock = makeDock(tr("Methods"), QStringLiteral("methodsDock"), methodsPanel_, this);
    addDockWidget(Qt::LeftDockWidgetArea, methodsDock);
    datasetsPanel_ = new DatasetsPanel(workspace_, this);
    QDockWidget* datasetsDock = makeDock(tr("Datasets"), QStringLiteral("datasetsDock"), datasetsPanel_, this);
    modelPanel_ = new ModelPanel(workspace_, this);
    QDockWidget* modelDock = makeDock(tr("Model"), QStringLiteral("modelDock"), modelPanel_, this);
    preprocessPanel_ = new PreprocessPanel(workspace_, this);
    QDockWidget* preprocessDock =
        makeDock(tr("Preprocessing"), QStringLiteral("preprocessDock"), preprocessPanel_, this);
    thresholdPanel_ = new ThresholdPanel(workspace_, this);
    QDockWidget* thresholdDock = makeDock(tr("Threshold"), QStringLiteral("thresholdDock"), thresholdPanel_, this);
    addDockWidget(Qt::RightDockWidgetArea, thresholdDock);
    addDockWidget(Qt::RightDockWidgetArea, modelDock);
    tabifyDockWidget(thresholdDock, modelDock);
    tabifyDockWidget(modelDock, preprocessDock);
    thresholdDock->raise();
    // A model just opened: show what was found in it, and what of its input is a guess.
    connect(run_, &RunController::modelOpened, modelDock, &QDockWidget::raise);
    metricsPanel_ = new MetricsPanel(workspace_, this);
    metricsPanel_->addAction(exportMetricsAction_);
    QDockWidget* metricsDock = makeDock(tr("Metrics (percent)"), QStringLiteral("metricsDock"), metricsPanel_, this);
    addDockWidget(Qt::BottomDockWidgetArea, metricsDock);
    addDockWidget(Qt::BottomDockWidgetArea, datasetsDock);
    splitDockWidget(metricsDock, datasetsDock, Qt::Horizontal);
    resizeDocks({methodsDock, thresholdDock}, {230, 330}, Qt::Horizontal);
    resizeDocks({metricsDock, datasetsDock}, {820, 520}, Qt::Horizontal);
    resizeDocks({metricsDock}, {250}, Qt::Vertical);
    // The results table (methods x OOD sets), behind the metrics dock.
    resultsTable_ = new ResultsTableView(workspace_, this);
    QDockWidget* resultsDock = makeDock(tr("Results table"), QStringLiteral("resultsTableDock"), resultsTable_, this);
    tabifyDockWidget(metricsDock, resultsDock);
    metricsDock->raise();
    viewMenu_ = new QMenu(tr("&View"), this);
    for (QDockWidget* dock : {methodsDock, thresholdDock, modelDock, preprocessDock, datasetsDock, metricsDock, resultsDock})
        viewMenu_->addAction(dock->toggleViewAction());
    connect(workspace_, &Workspace::resultChanged, this, &MainWindow::showTitle);
    connect(workspace_, &Workspace::configChanged, this, &MainWindow::showTitle);
    connect(workspace_, &Workspace::modifiedChanged, this, &QWidget::setWindowModified);

    auto* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("runToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addActions({openModelAction_, addDatasetAction_});
    toolBar->addSeparator();
    toolBar->addActions({runAction_, cancelAction_});
    toolBar->addSeparator();
    toolBar->addAction(saveSessionAction_);

    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName(QStringLiteral("statusLabel"));
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusLabel_->setMinimumWidth(120);
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(statusLabel_, 1);
    detailsButton_ = new QToolButton(this);
    detailsButton_->setObjectName(QStringLiteral("statusDetails"));
    detailsButton_->setText(tr("Details\u2026"));
    detailsButton_->setToolTip(tr("The full message, the files involved and every warning"));
    detailsButton_->setAutoRaise(true);
    detailsButton_->hide();
    connect(detailsButton_, &QToolButton::clicked, this, [this]() {
        showErrorDetails(this, tr("OOD Lens"), statusLabel_->text(), statusDetails_, statusError_);
    });
    statusBar()->addWidget(detailsButton_);
    progress_ = new RunProgressWidget(cancelAction_, this);
    statusBar()->addPermanentWidget(progress_);

    // Files in and out.
    sessionActions_ = new SessionActions(workspace_, run_,
                                         {logCountsAction_, densityAction_, overlayAction_, plots_->binsSpin()},
                                         options_.methods, options_.persistSettings, this);
    exportActions_ = new ExportActions(workspace_, plots_, metricsPanel_, this);
    // File > Export report uses the Gradients? view's split, as the view computes it.
    exportActions_->setFactorOptionsSource([this] {
        FactorOptions options;
        options.split = factorsView_->split();
        return options;
    });
    connect(sessionActions_, &SessionActions::status, this, &MainWindow::setStatus);
    connect(exportActions_, &ExportActions::status, this, &MainWindow::setStatus);
    connect(openModelAction_, &QAction::triggered, sessionActions_, &SessionActions::openModelDialog);
    connect(modelPanel_, &ModelPanel::openRequested, sessionActions_, &SessionActions::openModelDialog);
    connect(addDatasetAction_, &QAction::triggered, sessionActions_, &SessionActions::addDatasetDialog);
    connect(datasetsPanel_, &DatasetsPanel::addRequested, sessionActions_, &SessionActions::addDatasetDialog);
    connect(openSessionAction_, &QAction::triggered, sessionActions_, &SessionActions::openSessionDialog);
    connect(saveSessionAction_, &QAction::triggered, sessionActions_, &SessionActions::save);
    connect(saveSessionAsAction_, &QAction::triggered, sessionActions_, &SessionActions::saveAs);
    connect(exportFigureAction_, &QAction::triggered, exportActions_, &ExportActions::exportFigureDialog);
    connect(exportMetricsAction_, &QAction::triggered, exportActions_, &ExportActions::exportMetricsDialog);
    connect(exportReportAction_, &QAction::triggered, exportActions_, &ExportActions::exportReportDialog);
    connect(exportDetectorAction_, &QAction::triggered, exportActions_, &ExportActions::exportDetectorDialog);
    connect(applyView_, &ApplyView::status, this, &MainWindow::setStatus);
    // Esc stops what the window shows: the apply on the Apply tab.
    connect(cancelAction_, &QAction::triggered, applyView_, [this] {
        if (centralTabs_->currentIndex() == ApplyTab)
            applyView_->cancel();
    });
    connect(metricsPanel_->copyAction(), &QAction::triggered, exportActions_, &ExportActions::copyMetrics);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addActions({openModelAction_, addDatasetAction_});
    file->addSeparator();
    file->addAction(openSessionAction_);
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addActions({saveSessionAction_, saveSessionAsAction_});
    file->addSeparator();
    file->addActions({exportFigureAction_, exportMetricsAction_, resultsTable_->exportAction(), exportReportAction_,
                      exportDetectorAction_});
    file->addSeparator();
    file->addAction(quitAction_);
    sessionActions_->setRecentMenu(recentMenu_);

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addActions({runAction_, cancelAction_});
    analysis->addSeparator();
    analysis->addAction(bootstrapAction_);
    analysis->addAction(autoRunAction_);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(metricsPanel_->copyAction());

    QList<QAction*> docks = viewMenu_->actions();
    viewMenu_->clear();
    viewMenu_->addActions({logCountsAction_, densityAction_, overlayAction_});
    viewMenu_->addSeparator();
    viewMenu_->addActions(docks);
    viewMenu_->addSeparator();
    resetLayoutAction_ = viewMenu_->addAction(tr("&Reset layout"), this, &MainWindow::resetLayout);
    resetLayoutAction_->setToolTip(tr("Put every panel back where it starts, at sizes for this window"));
    menuBar()->addMenu(viewMenu_);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    shortcutsAction_ = help->addAction(tr("&Shortcuts"), this, &MainWindow::showShortcuts);
    shortcutsAction_->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About OOD Lens"), this, [this]() {
        QMessageBox::about(this, tr("About OOD Lens"),
                           tr("<b>OOD Lens</b> %1<br>Out-of-distribution detection workbench: gradient vs "
                              "non-gradient OOD scores.<br>Licensed under the GNU GPL v3 or later.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::connectRuns()
{
    AnalysisRunner* runner = run_->runner();
    connect(run_, &RunController::runProgress, progress_, &RunProgressWidget::setProgress);
    connect(runner, &AnalysisRunner::progress, datasetsPanel_, &DatasetsPanel::setProgress);
    connect(runner, &AnalysisRunner::datasetFinished, datasetsPanel_, &DatasetsPanel::setSummary);
    connect(run_, &RunController::runningChanged, this, [this](bool running) {
        runAction_->setEnabled(!running);
        cancelAction_->setEnabled(running);
        running ? progress_->begin() : progress_->end();
    });
    connect(run_, &RunController::runStarted, datasetsPanel_, &DatasetsPanel::markQueued);
    connect(run_, &RunController::runFailed, datasetsPanel_,
            [this]() { datasetsPanel_->endRun(tr("not extracted (the run failed)")); });
    connect(run_, &RunController::runCancelled, datasetsPanel_,
            [this]() { datasetsPanel_->endRun(tr("not extracted (cancelled)")); });
    connect(run_, &RunController::cancelling, progress_, &RunProgressWidget::setCancelling);
    connect(run_, &RunController::status, this, &MainWindow::setStatus);
    connect(run_, &RunController::runStarted, this, &MainWindow::runStarted);
    connect(run_, &RunController::runProgress, this, &MainWindow::runProgress);
    connect(run_, &RunController::runFinished, this, &MainWindow::runFinished);
    connect(run_, &RunController::runFailed, this, &MainWindow::runFailed);
    connect(run_, &RunController::runFailed, this, [this](const QString& message) {
        showErrorDetails(this, tr("The analysis failed"), message.section(QLatin1Char('\n'), 0, 0),
                         runDetails(message));
    });
    connect(run_, &RunController::modelRefused, this, [this](const QString& path, const QString& message) {
        showErrorDetails(this, tr("Cannot use this model"),
                         tr("%1 is not a usable classifier; the previous model stays.").arg(QFileInfo(path).fileName()),
                         tr("File: %1\n\n%2").arg(path, message));
    });
    connect(run_, &RunController::runCancelled, this, &MainWindow::runCancelled);
    cancelAction_->setEnabled(false);
}

void MainWindow::restoreSettings()
{
    const Settings settings;
    if (!restoreGeometry(settings.windowGeometry()))
        resize(1400, 900);
    if (restoreState(settings.windowState()))
        defaultLayoutPending_ = false;
    plots_->restoreState(settings.plotSplitterState());
    setCurrentMethod(settings.currentMethod());
    logCountsAction_->setChecked(settings.logHistogramCounts());
    densityAction_->setChecked(settings.histogramDensity());
    binsSpin()->setValue(settings.histogramBins());
    overlayAction_->setChecked(settings.overlayMethods());
    autoRunAction_->setChecked(settings.autoRun());
}

void MainWindow::saveSettings()
{
    if (!options_.persistSettings)
        return;
    Settings settings;
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(saveState());
    settings.setPlotSplitterState(plots_->saveState());
    settings.setLogHistogramCounts(logCountsAction_->isChecked());
    settings.setHistogramDensity(densityAction_->isChecked());
    settings.setHistogramBins(binsSpin()->value());
    settings.setOverlayMethods(overlayAction_->isChecked());
    settings.setAutoRun(autoRunAction_->isChecked());
    if (!currentMethod().isEmpty())
        settings.setCurrentMethod(currentMethod());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!sessionActions_->maybeSave()) {
        event->ignore();
        return;
    }
    saveSettings();
    run_->runner()->cancel();
    event->accept();
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (defaultLayoutPending_ && !event->spontaneous()) {
        defaultLayoutPending_ = false;
        applyDefaultLayout();
    }
}

// --- Layout at any size: the default arrangement, Reset layout, the shortcuts page ------------------

void MainWindow::resetLayout()
{
    for (QDockWidget* dock : findChildren<QDockWidget*>(Qt::FindDirectChildrenOnly))
        dock->setFloating(false);
    restoreState(defaultState_);
    for (QDockWidget* dock : findChildren<QDockWidget*>(Qt::FindDirectChildrenOnly))
        dock->show();
    applyDefaultLayout();
    if (options_.persistSettings)
        Settings().clearLayout();
    setStatus(tr("Layout reset"));
}

void MainWindow::applyDefaultLayout()
{
    auto dock = [this](const char* name) { return findChild<QDockWidget*>(QLatin1String(name)); };
    QDockWidget* methods = dock("methodsDock");
    QDockWidget* threshold = dock("thresholdDock");
    QDockWidget* model = dock("modelDock");
    QDockWidget* datasets = dock("datasetsDock");
    QDockWidget* metrics = dock("metricsDock");
    if (!methods || !threshold || !model || !datasets || !metrics)
        return;
    const int w = width(), h = height();
    // A narrow window keeps the plots' height: Datasets joins the tabs on the right, and the
    // metrics table has the bottom to itself.
    if (w < kWideLayoutWidth) {
        if (!tabifiedDockWidgets(model).contains(datasets))
            tabifyDockWidget(model, datasets);
    } else if (dockWidgetArea(datasets) != Qt::BottomDockWidgetArea || !tabifiedDockWidgets(datasets).isEmpty()) {
        addDockWidget(Qt::BottomDockWidgetArea, datasets);
        splitDockWidget(metrics, datasets, Qt::Horizontal);
    }
    threshold->raise();
    const int side = std::clamp(w * 17 / 100, 190, 250);
    const int right = std::clamp(w * 22 / 100, 250, 340);
    const int bottom = std::clamp(h * 23 / 100, 150, 260);
    resizeDocks({methods, threshold}, {side, right}, Qt::Horizontal);
    resizeDocks({metrics}, {bottom}, Qt::Vertical);
    if (w >= kWideLayoutWidth)
        resizeDocks({metrics, datasets}, {w * 58 / 100, w * 42 / 100}, Qt::Horizontal);
    // The histogram a little wider than the curves beside it; ROC and PR alike; the explorer's
    // inspector a readable column.
    plots_->setSizes({520, 480});
    if (auto* curves = plots_->findChild<QSplitter*>(QStringLiteral("curveSplitter")))
        curves->setSizes({500, 500});
    if (auto* explore = explorePanel_->findChild<QSplitter*>(QStringLiteral("exploreSplitter")))
        explore->setSizes({560, 440});
}

void MainWindow::showShortcuts()
{
    auto* dialog = new ShortcutsDialog(this, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (std::any_of(urls.begin(), urls.end(), [](const QUrl& url) { return url.isLocalFile(); }))
        return event->acceptProposedAction();
    QMainWindow::dragEnterEvent(event);
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile())
            paths << QFileInfo(url.toLocalFile()).absoluteFilePath();
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    sessionActions_->addDroppedPaths(paths);
}

void MainWindow::setStatus(const QString& text, bool error, const QString& details)
{
    statusLabel_->setText(text);
    statusLabel_->setToolTip(details.isEmpty() ? text : details);
    statusDetails_ = details;
    statusError_ = error;
    detailsButton_->setVisible(!details.isEmpty() && details != text);
    statusLabel_->setStyleSheet(error ? QStringLiteral("QLabel { color: #B3261E; font-weight: bold; }") : QString());
}

void MainWindow::showTitle()
{
    // The model and, while a result of it is on screen, its datasets; [*] marks unsaved edits.
    const std::string& model = workspace_->config().modelPath;
    QString title = model.empty() ? tr("OOD Lens") : tr("OOD Lens: %1").arg(QFileInfo(QString::fromStdString(model)).fileName());
    const RunResultPtr r = workspace_->result();
    if (r && r->idIndex >= 0 && workspace_->resultMatchesModel()) {
        QStringList oodNames;
        for (std::size_t i : r->oodIndices)
            oodNames << QString::fromStdString(r->datasets[i].name);
        title += tr(", %1 vs %2").arg(QString::fromStdString(r->datasets[std::size_t(r->idIndex)].name),
                                      oodNames.join(QStringLiteral(", ")));
    }
    setWindowTitle(title + QStringLiteral("[*]"));
}

QString MainWindow::runDetails(const QString& message) const
{
    const RunConfig& c = workspace_->config();
    QStringList lines{message, QString(), tr("Model: %1").arg(QString::fromStdString(c.modelPath))};
    for (const DatasetSpec& d : c.datasets)
        lines << tr("%1 set %2: %3")
                     .arg(QString::fromLatin1(datasetRoleName(d.role)).toUpper(),
                          QString::fromStdString(datasetLabel(d)), QString::fromStdString(d.path));
    lines << tr("Preprocessing: %1").arg(QString::fromStdString(c.preprocess.describe()));
    return lines.join(QLatin1Char('\n'));
}

QString MainWindow::statusText() const
{
    return statusLabel_->text();
}

bool MainWindow::setCurrentMethod(const QString& id)
{
    if (!findMethod(id.toStdString()))
        return false;
    workspace_->setCurrentMethod(id);
    return true;
}

} // namespace oodlens::ui
