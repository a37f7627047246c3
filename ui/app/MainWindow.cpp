// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/MainWindow.h"

#include "docks/AddDatasetDialog.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"
#include "datasets/Dataset.h"
#include "docks/DatasetsPanel.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "explore/ExplorePanel.h"
#include "io/Export.h"
#include "plots/FigureExportDialog.h"
#include "plots/HistogramView.h"
#include "docks/MethodLabels.h"
#include "docks/MethodListWidget.h"
#include "docks/MethodParamsEditor.h"
#include "plots/MetricsTableModel.h"
#include "docks/ModelPanel.h"
#include "plots/OkabeIto.h"
#include "plots/PlotSeries.h"
#include "plots/PrView.h"
#include "io/SessionFile.h"
#include "app/Resources.h"
#include "plots/RocView.h"
#include "docks/RunProgressWidget.h"
#include "methods/Scores.h"
#include "workspace/Settings.h"
#include "docks/ThresholdPanel.h"
#include "metrics/ThresholdPresets.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens::ui {

namespace {

constexpr int kMaxWarningsInTooltip = 20;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool isModelFile(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ptl") ||
           suffix == QLatin1String("torchscript");
}

bool isSessionFile(const QString& path)
{
    return QFileInfo(path).suffix().toLower() == QLatin1String("oodlens");
}

QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content, QWidget* parent)
{
    auto* dock = new QDockWidget(title, parent);
    dock->setObjectName(name);
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    return dock;
}

// "1 of 2 OOD sets, closed-form methods": how much of the run a partial result covers.
QString partialExtent(const RunResult& r)
{
    int oodSets = 0;
    for (const DatasetSummary& d : r.datasets)
        oodSets += d.role == DatasetRole::Ood;
    return MainWindow::tr("%1 of %2 OOD sets, closed-form methods").arg(r.oodIndices.size()).arg(oodSets);
}

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)), runner_(new AnalysisRunner(this)),
      session_(new Workspace(this)), pendingThreshold_(kNaN)
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

    connect(runner_, &AnalysisRunner::progress, this, [this](int, const QString& stage, qulonglong done, qulonglong total) {
        progress_->setProgress(stage, done, total);
        emit runProgress(stage, done, total);
    });
    connect(runner_, &AnalysisRunner::progress, datasetsPanel_, &DatasetsPanel::setProgress);
    connect(runner_, &AnalysisRunner::datasetFinished, datasetsPanel_, &DatasetsPanel::setSummary);
    connect(runner_, &AnalysisRunner::partialResult, this, &MainWindow::setResult);
    connect(runner_, &AnalysisRunner::finished, this, &MainWindow::onFinished);
    connect(runner_, &AnalysisRunner::failed, this, &MainWindow::onFailed);
    connect(runner_, &AnalysisRunner::cancelled, this, &MainWindow::onCancelled);
    connect(session_, &Workspace::thresholdChanged, this, &MainWindow::applyThreshold);

    methodList_->setCheckedMethods(options_.methods);
    if (options_.persistSettings)
        restoreSettings();
    else
        resize(1400, 900);
    if (!options_.initialMethod.empty())
        methodList_->setCurrentMethod(QString::fromStdString(options_.initialMethod));
    setRunning(false);
    setStatus(tr("Ready: press Ctrl+R to run the analysis"));

    if (!options_.sessionFile.isEmpty()) {
        openSession(options_.sessionFile);
    } else {
        try {
            ensureConfig();
        } catch (const Error&) {
            // Reported when a run is asked for.
        }
        if (options_.autorun)
            QTimer::singleShot(0, this, [this]() { startRun(); });
    }
}

MainWindow::~MainWindow()
{
    // The runner (a child) waits for its thread; make sure the engine is already stopping.
    runner_->cancel();
}

std::vector<std::string> MainWindow::defaultMethods()
{
    return oodlens::defaultMethods(PanelGui);
}

void MainWindow::buildActions()
{
    runAction_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Run analysis"), this);
    runAction_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)});
    runAction_->setToolTip(tr("Extract what is new and score every checked method (Ctrl+R, F5)"));
    connect(runAction_, &QAction::triggered, this, [this]() { startRun(); });

    cancelAction_ = new QAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel"), this);
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelAction_->setToolTip(tr("Stop the running analysis (Esc)"));
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancelRun);

    openModelAction_ = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open model\u2026"), this);
    openModelAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    connect(openModelAction_, &QAction::triggered, this, &MainWindow::openModelDialog);
    addDatasetAction_ =
        new QAction(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("Add &dataset\u2026"), this);
    addDatasetAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    connect(addDatasetAction_, &QAction::triggered, this, &MainWindow::addDatasetDialog);
    openSessionAction_ = new QAction(tr("Open &session\u2026"), this);
    openSessionAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(openSessionAction_, &QAction::triggered, this, &MainWindow::openSessionDialog);
    saveSessionAction_ = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save session"), this);
    saveSessionAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_S));
    connect(saveSessionAction_, &QAction::triggered, this, [this]() { saveSessionDialog(false); });
    saveSessionAsAction_ = new QAction(tr("Save session &as\u2026"), this);
    saveSessionAsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(saveSessionAsAction_, &QAction::triggered, this, [this]() { saveSessionDialog(true); });
    exportFigureAction_ = new QAction(tr("&Export figure\u2026"), this);
    exportFigureAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportFigureAction_->setToolTip(tr("Save a plot as PDF, SVG or PNG at a paper column's size (Ctrl+E)"));
    connect(exportFigureAction_, &QAction::triggered, this, &MainWindow::exportFigureDialog);
    exportMetricsAction_ = new QAction(tr("Export &metrics\u2026"), this);
    exportMetricsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    connect(exportMetricsAction_, &QAction::triggered, this, &MainWindow::exportMetricsDialog);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    logCountsAction_ = new QAction(tr("&Log counts"), this);
    logCountsAction_->setCheckable(true);
    logCountsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    logCountsAction_->setToolTip(tr("Show thin tails next to tall peaks (MSP piles most ID images into one bin)"));
    densityAction_ = new QAction(tr("&Density"), this);
    densityAction_->setCheckable(true);
    densityAction_->setToolTip(tr("Scale each dataset to unit area, so that sets of different sizes compare"));
    overlayAction_ = new QAction(tr("&Overlay checked methods on the curves"), this);
    overlayAction_->setCheckable(true);
    overlayAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    overlayAction_->setToolTip(tr("Draw the ROC and precision-recall curves of every checked method, not only the "
                                  "current one; other methods are marked at the same ID TPR"));
    bootstrapAction_ = new QAction(tr("&Bootstrap intervals (1000 resamples)"), this);
    bootstrapAction_->setCheckable(true);
    bootstrapAction_->setToolTip(tr("Add seeded 95% bootstrap confidence intervals to every metric"));
    connect(bootstrapAction_, &QAction::toggled, this, [this]() { requestRescore(); });
}

void MainWindow::buildLayout()
{
    histogram_ = new HistogramView(this);
    connect(histogram_, &HistogramView::thresholdDragged, session_, &Workspace::setThreshold);
    connect(logCountsAction_, &QAction::toggled, histogram_, &HistogramView::setLogCounts);
    connect(densityAction_, &QAction::toggled, histogram_, &HistogramView::setDensity);

    // Histogram options sit right above the histogram.
    auto* options = new QWidget(this);
    auto* optionsLayout = new QHBoxLayout(options);
    optionsLayout->setContentsMargins(6, 2, 6, 0);
    densityCheck_ = new QCheckBox(tr("Density"), options);
    densityCheck_->setToolTip(densityAction_->toolTip());
    connect(densityCheck_, &QCheckBox::toggled, densityAction_, &QAction::setChecked);
    connect(densityAction_, &QAction::toggled, densityCheck_, &QCheckBox::setChecked);
    auto* logCheck = new QCheckBox(tr("Log y"), options);
    logCheck->setToolTip(logCountsAction_->toolTip());
    connect(logCheck, &QCheckBox::toggled, logCountsAction_, &QAction::setChecked);
    connect(logCountsAction_, &QAction::toggled, logCheck, &QCheckBox::setChecked);
    binsSpin_ = new QSpinBox(options);
    binsSpin_->setObjectName(QStringLiteral("binsSpin"));
    binsSpin_->setRange(0, 500);
    binsSpin_->setSpecialValueText(tr("auto"));
    binsSpin_->setKeyboardTracking(false);
    binsSpin_->setToolTip(tr("Number of shared bins (auto: Freedman-Diaconis)"));
    connect(binsSpin_, qOverload<int>(&QSpinBox::valueChanged), histogram_, &HistogramView::setBinCount);
    auto* dragHint = new QLabel(tr("drag the dashed line to set the threshold"), options);
    dragHint->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));
    dragHint->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    dragHint->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    dragHint->setToolTip(tr("Drag the dashed line on the histogram, or Shift+click anywhere on it, to move the "
                            "threshold; the curves and the Threshold dock follow"));
    optionsLayout->addWidget(new QLabel(tr("Bins:"), options));
    optionsLayout->addWidget(binsSpin_);
    optionsLayout->addWidget(densityCheck_);
    optionsLayout->addWidget(logCheck);
    optionsLayout->addWidget(dragHint, 1);
    auto* histogramPanel = new QWidget(this);
    auto* histogramLayout = new QVBoxLayout(histogramPanel);
    histogramLayout->setContentsMargins(0, 0, 0, 0);
    histogramLayout->setSpacing(0);
    histogramLayout->addWidget(options);
    histogramLayout->addWidget(histogram_, 1);

    roc_ = new RocView(this);
    pr_ = new PrView(this);
    curveSplitter_ = new QSplitter(Qt::Vertical, this);
    curveSplitter_->setObjectName(QStringLiteral("curveSplitter"));
    curveSplitter_->addWidget(roc_);
    curveSplitter_->addWidget(pr_);
    curveSplitter_->setChildrenCollapsible(false);
    plotSplitter_ = new QSplitter(Qt::Horizontal, this);
    plotSplitter_->setObjectName(QStringLiteral("plotSplitter"));
    plotSplitter_->addWidget(histogramPanel);
    plotSplitter_->addWidget(curveSplitter_);
    plotSplitter_->setStretchFactor(0, 3);
    plotSplitter_->setStretchFactor(1, 2);
    plotSplitter_->setChildrenCollapsible(false);
    centralTabs_ = new QTabWidget(this);
    centralTabs_->setObjectName(QStringLiteral("centralTabs"));
    centralTabs_->setDocumentMode(true);
    centralTabs_->addTab(plotSplitter_, tr("Pipeline"));
    explorePanel_ = new ExplorePanel(session_, this);
    // In a scroll area, so that the explorer's minimum size never forces the window's.
    auto* exploreScroll = new QScrollArea(this);
    exploreScroll->setWidgetResizable(true);
    exploreScroll->setFrameShape(QFrame::NoFrame);
    exploreScroll->setWidget(explorePanel_);
    centralTabs_->addTab(exploreScroll, tr("Explore"));
    centralTabs_->setTabToolTip(1, tr("Every image: gallery, score-vs-score scatter, disagreements, inspector"));
    setCentralWidget(centralTabs_);
    for (QCustomPlot* plot : std::initializer_list<QCustomPlot*>{histogram_, roc_, pr_})
        connect(plot, &QCustomPlot::mousePress, this, [this, plot]() { lastPlot_ = plot; });

    // Methods: the grouped, checkable list above the current method's parameters.
    methodList_ = new MethodListWidget(this);
    connect(methodList_, &MethodListWidget::currentMethodChanged, this, &MainWindow::showMethod);
    connect(methodList_, &MethodListWidget::checkedMethodsChanged, this, [this]() {
        config_.methods = methodList_->checkedMethods();
        requestRescore();
        drawCurves();
    });
    paramsEditor_ = new MethodParamsEditor(this);
    connect(paramsEditor_, &MethodParamsEditor::paramChanged, this, &MainWindow::setParam);
    auto* methodsPanel = new QSplitter(Qt::Vertical, this);
    methodsPanel->setObjectName(QStringLiteral("methodsSplitter"));
    methodsPanel->addWidget(methodList_);
    methodsPanel->addWidget(paramsEditor_);
    methodsPanel->setStretchFactor(0, 4);
    methodsPanel->setStretchFactor(1, 1);
    QDockWidget* methodsDock = makeDock(tr("Methods"), QStringLiteral("methodsDock"), methodsPanel, this);
    addDockWidget(Qt::LeftDockWidgetArea, methodsDock);

    datasetsPanel_ = new DatasetsPanel(this);
    connect(datasetsPanel_, &DatasetsPanel::addRequested, this, &MainWindow::addDatasetDialog);
    connect(datasetsPanel_, &DatasetsPanel::removeRequested, this, &MainWindow::removeDataset);
    QDockWidget* datasetsDock = makeDock(tr("Datasets"), QStringLiteral("datasetsDock"), datasetsPanel_, this);
    modelPanel_ = new ModelPanel(this);
    connect(modelPanel_, &ModelPanel::openRequested, this, &MainWindow::openModelDialog);
    QDockWidget* modelDock = makeDock(tr("Model"), QStringLiteral("modelDock"), modelPanel_, this);

    thresholdPanel_ = new ThresholdPanel(session_, this);
    QDockWidget* thresholdDock = makeDock(tr("Threshold"), QStringLiteral("thresholdDock"), thresholdPanel_, this);
    addDockWidget(Qt::RightDockWidgetArea, thresholdDock);
    addDockWidget(Qt::RightDockWidgetArea, modelDock);
    tabifyDockWidget(thresholdDock, modelDock);
    thresholdDock->raise();

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
    metricsView_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    metricsView_->setAlternatingRowColors(true);
    metricsView_->verticalHeader()->setVisible(false);
    metricsView_->verticalHeader()->setDefaultSectionSize(metricsView_->fontMetrics().height() + 8);
    metricsView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    metricsView_->horizontalHeader()->setStretchLastSection(false);
    metricsView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(metricsView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid())
                    methodList_->setCurrentMethod(current.data(MetricsTableModel::MethodIdRole).toString());
            });
    copyMetricsAction_ = new QAction(tr("&Copy as text"), metricsView_);
    copyMetricsAction_->setShortcut(QKeySequence::Copy);
    copyMetricsAction_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copyMetricsAction_, &QAction::triggered, this, &MainWindow::copyMetrics);
    metricsView_->addAction(copyMetricsAction_);
    metricsView_->addAction(exportMetricsAction_);
    QDockWidget* metricsDock = makeDock(tr("Metrics (percent)"), QStringLiteral("metricsDock"), metricsView_, this);
    addDockWidget(Qt::BottomDockWidgetArea, metricsDock);
    addDockWidget(Qt::BottomDockWidgetArea, datasetsDock);
    splitDockWidget(metricsDock, datasetsDock, Qt::Horizontal);
    resizeDocks({methodsDock, thresholdDock}, {230, 330}, Qt::Horizontal);
    resizeDocks({metricsDock, datasetsDock}, {820, 520}, Qt::Horizontal);
    resizeDocks({metricsDock}, {250}, Qt::Vertical);

    viewMenu_ = new QMenu(tr("&View"), this);
    for (QDockWidget* dock : {methodsDock, thresholdDock, modelDock, datasetsDock, metricsDock})
        viewMenu_->addAction(dock->toggleViewAction());

    auto* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("runToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(openModelAction_);
    toolBar->addAction(addDatasetAction_);
    toolBar->addSeparator();
    toolBar->addAction(runAction_);
    toolBar->addAction(cancelAction_);
    toolBar->addSeparator();
    toolBar->addAction(saveSessionAction_);

    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName(QStringLiteral("statusLabel"));
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusLabel_->setMinimumWidth(120);
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(statusLabel_, 1);
    progress_ = new RunProgressWidget(cancelAction_, this);
    statusBar()->addPermanentWidget(progress_);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(openModelAction_);
    file->addAction(addDatasetAction_);
    file->addSeparator();
    file->addAction(openSessionAction_);
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addAction(saveSessionAction_);
    file->addAction(saveSessionAsAction_);
    file->addSeparator();
    file->addAction(exportFigureAction_);
    file->addAction(exportMetricsAction_);
    file->addSeparator();
    file->addAction(quitAction_);
    rebuildRecentMenu();

    QMenu* analysis = menuBar()->addMenu(tr("&Pipeline"));
    analysis->addAction(runAction_);
    analysis->addAction(cancelAction_);
    analysis->addSeparator();
    analysis->addAction(bootstrapAction_);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(copyMetricsAction_);

    QList<QAction*> docks = viewMenu_->actions();
    viewMenu_->clear();
    viewMenu_->addAction(logCountsAction_);
    viewMenu_->addAction(densityAction_);
    viewMenu_->addAction(overlayAction_);
    viewMenu_->addSeparator();
    viewMenu_->addActions(docks);
    menuBar()->addMenu(viewMenu_);
    connect(overlayAction_, &QAction::toggled, this, [this]() {
        drawCurves();
        applyThreshold(session_->threshold());
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About OOD Lens"), this, [this]() {
        QMessageBox::about(this, tr("About OOD Lens"),
                           tr("<b>OOD Lens</b> %1<br>Out-of-distribution detection workbench: gradient vs "
                              "non-gradient OOD scores.<br>Licensed under the GNU GPL v3 or later.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::restoreSettings()
{
    const Settings settings;
    if (!restoreGeometry(settings.windowGeometry()))
        resize(1400, 900);
    restoreState(settings.windowState());
    plotSplitter_->restoreState(settings.plotSplitterState());
    methodList_->setCurrentMethod(settings.currentMethod());
    logCountsAction_->setChecked(settings.logHistogramCounts());
    densityAction_->setChecked(settings.histogramDensity());
    binsSpin_->setValue(settings.histogramBins());
    overlayAction_->setChecked(settings.overlayMethods());
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
    settings.setHistogramDensity(densityAction_->isChecked());
    settings.setHistogramBins(binsSpin_->value());
    settings.setOverlayMethods(overlayAction_->isChecked());
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

// --- The analysis being edited -----------------------------------------------------------------

bool MainWindow::ensureConfig()
{
    if (configReady_)
        return true;
    RunConfig config = options_.configFactory ? options_.configFactory() : demoConfig();
    if (!config.methods.empty())
        methodList_->setCheckedMethods(config.methods);
    config_ = std::move(config);
    config_.methods = methodList_->checkedMethods();
    configReady_ = true;
    configChanged();
    return true;
}

void MainWindow::configChanged()
{
    datasetsPanel_->setDatasets(config_.datasets);
    if (!result_ || result_->model.path != config_.modelPath)
        modelPanel_->setModelPath(QString::fromStdString(config_.modelPath));
    bool fit = false;
    for (const DatasetSpec& d : config_.datasets)
        fit = fit || d.role == DatasetRole::Fit;
    methodList_->setFitSetAvailable(fit);
}

void MainWindow::setModelPath(const QString& path)
{
    if (!configReady_) {
        config_ = RunConfig();
        configReady_ = true;
    }
    config_.modelPath = path.toStdString();
    modelPanel_->setModelPath(path);
    rememberRecent(path);
    configChanged();
    setStatus(tr("Model %1 chosen: press Ctrl+R to run").arg(QFileInfo(path).fileName()));
}

bool MainWindow::addDataset(const DatasetSpec& spec)
{
    if (spec.path.empty()) {
        setStatus(tr("Cannot add a dataset without a path"), true);
        return false;
    }
    if (!configReady_) {
        try {
            ensureConfig();
        } catch (const Error&) {
            config_ = RunConfig();
            configReady_ = true;
        }
    }
    DatasetSpec added = spec;
    if (added.role == DatasetRole::Id) {
        added.name = "id";
        config_.datasets.erase(std::remove_if(config_.datasets.begin(), config_.datasets.end(),
                                              [](const DatasetSpec& d) { return d.role == DatasetRole::Id; }),
                               config_.datasets.end());
    } else {
        // Plots and tables tell OOD sets apart by name: keep names unique.
        std::string base = added.name.empty() ? datasetDisplayName(added.path) : added.name;
        std::string name = base;
        for (int n = 2;; ++n) {
            bool taken = false;
            for (const DatasetSpec& d : config_.datasets)
                taken = taken || (d.name == name && d.role == added.role);
            if (!taken)
                break;
            name = base + "-" + std::to_string(n);
        }
        added.name = name;
    }
    for (const DatasetSpec& d : config_.datasets)
        if (d.path == added.path && d.role == added.role) {
            setStatus(tr("%1 is already in the analysis").arg(QString::fromStdString(added.path)));
            return false;
        }
    config_.datasets.push_back(added);
    configChanged();
    setStatus(tr("Added %1 (%2): press Ctrl+R to extract and score it")
                  .arg(DatasetsPanel::displayName(added), QString::fromLatin1(datasetRoleName(added.role))));
    return true;
}

void MainWindow::removeDataset(int index)
{
    if (index < 0 || index >= int(config_.datasets.size()))
        return;
    config_.datasets.erase(config_.datasets.begin() + index);
    configChanged();
    requestRescore();
}

void MainWindow::addDroppedPaths(const QStringList& paths)
{
    for (const QString& path : paths) {
        if (isSessionFile(path)) {
            openSession(path);
            return;
        }
        if (isModelFile(path)) {
            setModelPath(path);
            continue;
        }
        bool hasId = false;
        for (const DatasetSpec& d : config_.datasets)
            hasId = hasId || d.role == DatasetRole::Id;
        DatasetSpec spec;
        spec.path = path.toStdString();
        spec.role = hasId ? DatasetRole::Ood : DatasetRole::Id;
        spec.name = hasId ? datasetDisplayName(spec.path) : "id";
        addDataset(spec);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) {
        for (const QUrl& url : event->mimeData()->urls())
            if (url.isLocalFile()) {
                event->acceptProposedAction();
                return;
            }
    }
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
    addDroppedPaths(paths);
}

void MainWindow::setParam(const QString& key, double value)
{
    config_.params.set(key.toStdString(), value);
    requestRescore();
}

// --- Runs ----------------------------------------------------------------------------------------

bool MainWindow::startRun()
{
    if (runner_->isRunning())
        return false;
    try {
        ensureConfig();
    } catch (const Error& e) {
        const QString message = QString::fromStdString(e.what());
        setStatus(tr("Cannot start the analysis: %1").arg(message), true);
        emit runFailed(message);
        return false;
    }
    RunConfig config = config_;
    config.methods = methodList_->checkedMethods();
    if (config.methods.empty()) {
        setStatus(tr("Check at least one method in the Methods dock"), true);
        emit runFailed(statusText());
        return false;
    }
    if (!runner_->start(std::move(config), bootstrapAction_->isChecked() ? 1000 : 0))
        return false;
    rerunPending_ = false;
    setRunning(true);
    progress_->begin();
    datasetsPanel_->markQueued();
    setStatus(tr("Running the analysis\u2026"));
    emit runStarted();
    return true;
}

void MainWindow::requestRescore()
{
    // Before the first result there is nothing to rescore: the next run takes the change.
    if (!result_)
        return;
    if (runner_->isRunning()) {
        rerunPending_ = true;
        return;
    }
    startRun();
}

void MainWindow::cancelRun()
{
    rerunPending_ = false;
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

void MainWindow::onFinished(RunResultPtr result)
{
    progress_->end();
    setRunning(false);
    setResult(std::move(result));
    emit runFinished();
    if (rerunPending_)
        startRun();
}

void MainWindow::setResult(RunResultPtr result)
{
    if (!result)
        return;
    const double carry = currentIdAcceptance();
    // The same ID scores of the current method (the rest of a run after a partial result, a rescore
    // that did not touch it): the threshold stays exactly where the user put it.
    const std::string shown = currentMethod().toStdString();
    const bool sameIdScores = result_ && result->idIndex == result_->idIndex && result_->idIndex >= 0 &&
                              !result_->scoresOf(shown, result_->idIndex).empty() &&
                              result->scoresOf(shown, result->idIndex) == result_->scoresOf(shown, result_->idIndex);
    const double keep = sameIdScores ? session_->threshold() : kNaN;
    result_ = std::move(result);
    metricsModel_->setRows(result_->metrics);
    // A partial result's pending sets say "not extracted yet"; their rows keep the run's progress.
    if (!result_->partial)
        for (std::size_t i = 0; i < result_->datasets.size(); ++i)
            datasetsPanel_->setSummary(static_cast<int>(i), result_->datasets[i]);
    modelPanel_->setInfo(result_->model);
    methodList_->setScoredMethods(result_->methods);

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
    bool fromCache = id.fromCache;
    for (std::size_t i : result_->oodIndices)
        fromCache = fromCache && result_->datasets[i].fromCache;
    if (result_->partial)
        text = tr("%1 so far (%2); the run goes on\u2026").arg(text, partialExtent(*result_));
    else if (fromCache)
        text += tr(" (features from the cache)");
    setStatus(text);
    if (!result_->warnings.empty()) {
        statusLabel_->setText(
            text + tr(" (%n warning(s), hover for details)", nullptr, static_cast<int>(result_->warnings.size())));
        QStringList lines;
        for (std::size_t i = 0; i < result_->warnings.size() && i < kMaxWarningsInTooltip; ++i)
            lines << QString::fromStdString(result_->warnings[i].message);
        if (result_->warnings.size() > kMaxWarningsInTooltip)
            lines << tr("\u2026 and %1 more").arg(result_->warnings.size() - kMaxWarningsInTooltip);
        statusLabel_->setToolTip(lines.join(QLatin1Char('\n')));
    }

    session_->setResult(result_);
    if (currentMethod().isEmpty() && !result_->methods.empty())
        methodList_->setCurrentMethod(QString::fromStdString(result_->methods.front()));
    session_->setCurrentMethod(currentMethod());
    paramsEditor_->setMethod(currentMethod(), config_.params);
    redrawCurrent(carry, keep);
    if (std::isfinite(pendingThreshold_)) {
        session_->setThreshold(pendingThreshold_);
        pendingThreshold_ = kNaN;
    }
    selectMetricsRowOf(currentMethod());
}

void MainWindow::onFailed(const QString& message)
{
    progress_->end();
    setRunning(false);
    rerunPending_ = false;
    datasetsPanel_->endRun(tr("not extracted (the run failed)"));
    if (result_ && result_->partial)
        setStatus(tr("Run failed: %1 (showing the partial results: %2)").arg(message, partialExtent(*result_)), true);
    else
        setStatus(tr("Run failed: %1").arg(message), true);
    emit runFailed(message);
}

void MainWindow::onCancelled()
{
    progress_->end();
    setRunning(false);
    rerunPending_ = false;
    datasetsPanel_->endRun(tr("not extracted (cancelled)"));
    // What the run already scored stays: a partial result of this run, else the previous one.
    if (result_ && result_->partial)
        setStatus(tr("Run cancelled; showing the partial results (%1)").arg(partialExtent(*result_)));
    else
        setStatus(result_ ? tr("Run cancelled; showing the previous results") : tr("Run cancelled"));
    emit runCancelled();
}

// --- Views ---------------------------------------------------------------------------------------

double MainWindow::currentIdAcceptance() const
{
    const RunResultPtr r = session_->result();
    if (!r || r->idIndex < 0 || session_->currentMethod().isEmpty())
        return kNaN;
    const ThresholdIndex& index = session_->currentThresholdIndex();
    const auto id = static_cast<std::size_t>(r->idIndex);
    if (index.usable(id) == 0)
        return kNaN;
    return double(index.accepted(id, session_->threshold())) / double(index.usable(id));
}

void MainWindow::showMethod(const QString& id)
{
    const double carry = currentIdAcceptance();
    session_->setCurrentMethod(id);
    paramsEditor_->setMethod(id, config_.params);
    selectMetricsRowOf(id);
    redrawCurrent(carry);
}

void MainWindow::redrawCurrent(double carryAcceptance, double keepThreshold)
{
    const QString id = currentMethod();
    if (!result_) {
        histogram_->clearScores(tr("Run the analysis to see the score histograms"));
        roc_->clearCurves(tr("Run the analysis to see the ROC curve"));
        pr_->clearCurves(tr("Run the analysis to see the precision-recall curve"));
        return;
    }
    const std::string method = id.toStdString();
    const QString label = methodDisplayLabel(method);
    if (result_->scores.find(method) == result_->scores.end()) {
        const QString why = methodList_->isChecked(id)
                                ? tr("%1 is being scored\u2026").arg(label)
                                : tr("%1 is not scored: check it in the Methods list").arg(label);
        histogram_->clearScores(why);
        roc_->clearCurves(why);
        pr_->clearCurves(why);
        return;
    }

    const auto idIndex = static_cast<std::size_t>(result_->idIndex);
    histogram_->showScores(label, histogramSeriesOf(*result_, method));
    drawCurves();

    // Keep the operating point when the scores change: the same share of ID images accepted.
    const ThresholdIndex& index = session_->currentThresholdIndex();
    double t = keepThreshold;
    if (!std::isfinite(t) && std::isfinite(carryAcceptance))
        t = index.thresholdForAcceptance(idIndex, carryAcceptance);
    if (!std::isfinite(t))
        t = thresholdAtIdTpr95(*result_, method);
    if (std::isfinite(t) && t != session_->threshold())
        session_->setThreshold(t); // applies it through thresholdChanged
    else
        applyThreshold(session_->threshold());
}

void MainWindow::drawCurves()
{
    curveKeys_.clear();
    if (!result_)
        return;
    const std::string current = currentMethod().toStdString();
    if (result_->scores.find(current) == result_->scores.end())
        return;
    std::vector<std::string> methods{current};
    if (overlayAction_->isChecked())
        for (const std::string& m : result_->methods)
            if (m != current && methodList_->isChecked(QString::fromStdString(m)))
                methods.push_back(m);
    const bool several = methods.size() > 1;
    CurveSet curves = curveSeriesOf(*result_, methods);
    curveKeys_ = std::move(curves.keys);
    const QString label = several
                              ? tr("%1 + %n more", nullptr, int(methods.size() - 1)).arg(methodDisplayLabel(current))
                              : methodDisplayLabel(current);
    roc_->showCurves(label, curves.roc);
    pr_->showCurves(label, curves.pr);
}

void MainWindow::applyThreshold(double threshold)
{
    histogram_->setThreshold(threshold);
    histogram_->replotThreshold();
    const RunResultPtr r = session_->result();
    if (!r || r->idIndex < 0)
        return;
    const auto id = static_cast<std::size_t>(r->idIndex);
    const QString current = session_->currentMethod();
    const double acceptance = currentIdAcceptance();
    std::vector<QPointF> rocPoints, prPoints;
    for (const auto& [method, ood] : curveKeys_) {
        const QString m = QString::fromStdString(method);
        const ThresholdIndex& index = session_->thresholdIndex(m);
        // Other methods have other units: read them at the same share of ID accepted.
        const double t = m == current ? threshold : index.thresholdForAcceptance(id, acceptance);
        const OperatingPoint p = index.operatingPoint(id, ood, t);
        rocPoints.emplace_back(p.fpr_id, p.tpr_id);
        prPoints.emplace_back(p.tpr_id, index.precisionIdPositive(id, ood, t));
    }
    roc_->setOperatingPoints(rocPoints);
    pr_->setOperatingPoints(prPoints);
    roc_->replotOperatingPoints();
    pr_->replotOperatingPoints();
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

// --- Files -----------------------------------------------------------------------------------------

void MainWindow::openModelDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), QString(),
                                                      tr("TorchScript models (*.pt *.pth *.ptl *.torchscript);;"
                                                         "All files (*)"));
    if (!path.isEmpty())
        setModelPath(path);
}

void MainWindow::addDatasetDialog()
{
    bool hasId = false;
    for (const DatasetSpec& d : config_.datasets)
        hasId = hasId || d.role == DatasetRole::Id;
    AddDatasetDialog dialog(hasId, this);
    if (dialog.exec() == QDialog::Accepted)
        addDataset(dialog.spec());
}

SessionFile MainWindow::currentProject() const
{
    SessionFile p;
    p.config = config_;
    p.config.methods = methodList_->checkedMethods();
    p.currentMethod = currentMethod().toStdString();
    if (result_)
        p.threshold = session_->threshold();
    p.logCounts = logCountsAction_->isChecked();
    p.density = densityAction_->isChecked();
    p.bins = binsSpin_->value();
    p.overlayMethods = overlayAction_->isChecked();
    return p;
}

bool MainWindow::saveSession(const QString& path)
{
    try {
        currentProject().write(path.toStdString());
    } catch (const Error& e) {
        setStatus(QString::fromStdString(e.what()), true);
        return false;
    }
    sessionPath_ = path;
    rememberRecent(path);
    setStatus(tr("Saved the session to %1").arg(path));
    return true;
}

bool MainWindow::openSession(const QString& path)
{
    if (runner_->isRunning()) {
        setStatus(tr("Cancel the running analysis before opening a session"), true);
        return false;
    }
    SessionFile p;
    try {
        p = SessionFile::read(path.toStdString());
    } catch (const Error& e) {
        setStatus(QString::fromStdString(e.what()), true);
        return false;
    }
    QStringList missing;
    for (const std::string& file : p.missingFiles())
        missing << QString::fromStdString(file);
    config_ = p.config;
    config_.cacheDir = RunConfig().cacheDir;
    configReady_ = true;
    sessionPath_ = path;
    rememberRecent(path);
    // A session without methods (hand-written) scores the default panel.
    methodList_->setCheckedMethods(p.config.methods.empty() ? options_.methods : p.config.methods);
    if (!p.currentMethod.empty())
        methodList_->setCurrentMethod(QString::fromStdString(p.currentMethod));
    logCountsAction_->setChecked(p.logCounts);
    densityAction_->setChecked(p.density);
    binsSpin_->setValue(p.bins);
    overlayAction_->setChecked(p.overlayMethods);
    pendingThreshold_ = p.threshold ? *p.threshold : kNaN;
    result_.reset();
    session_->setResult(nullptr);
    metricsModel_->setRows({});
    redrawCurrent(kNaN);
    configChanged();
    const bool modelMissing = missing.contains(QString::fromStdString(config_.modelPath));
    // Nothing to run without the model; missing datasets fail beside their row, the others run.
    if (!modelMissing)
        startRun();
    if (!missing.isEmpty())
        setStatus(tr("Opened %1, but these files are missing: %2")
                      .arg(QFileInfo(path).fileName(), missing.join(QStringLiteral(", "))),
                  true);
    return true;
}

void MainWindow::openSessionDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open session"), QString(), tr("OOD Lens sessions (*.oodlens)"));
    if (!path.isEmpty())
        openSession(path);
}

bool MainWindow::saveSessionDialog(bool forceAsk)
{
    QString path = sessionPath_;
    if (path.isEmpty() || forceAsk)
        path = QFileDialog::getSaveFileName(this, tr("Save session"), path, tr("OOD Lens sessions (*.oodlens)"));
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".oodlens");
    return saveSession(path);
}

void MainWindow::rememberRecent(const QString& path)
{
    if (!options_.persistSettings)
        return;
    Settings().addRecentFile(QFileInfo(path).absoluteFilePath());
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    recentMenu_->clear();
    const QStringList files = options_.persistSettings ? Settings().recentFiles() : QStringList();
    for (const QString& f : files)
        recentMenu_
            ->addAction(QFileInfo(f).fileName(), this,
                        [this, f]() {
                            if (isSessionFile(f))
                                openSession(f);
                            else
                                setModelPath(f);
                        })
            ->setToolTip(f);
    recentMenu_->setEnabled(!files.isEmpty());
}

QCustomPlot* MainWindow::focusedPlot() const
{
    return lastPlot_ ? lastPlot_ : histogram_;
}

bool MainWindow::exportPlot(QCustomPlot* plot, const QString& path, const FigureOptions& options)
{
    QString error;
    if (!exportFigure(plot, path, options, &error)) {
        setStatus(error, true);
        return false;
    }
    setStatus(tr("Wrote %1").arg(path));
    return true;
}

void MainWindow::exportFigureDialog()
{
    const std::vector<QCustomPlot*> plots{histogram_, roc_, pr_};
    const int current = int(std::find(plots.begin(), plots.end(), focusedPlot()) - plots.begin());
    FigureExportDialog dialog({tr("Histogram"), tr("ROC curve"), tr("Precision-recall curve")}, current, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QString path =
        QFileDialog::getSaveFileName(this, tr("Export figure"), QString(), tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".pdf");
    exportPlot(plots[std::size_t(dialog.plotIndex())], path, dialog.options());
}

QString MainWindow::metricsText() const
{
    QStringList lines;
    QStringList header;
    for (int c = 0; c < metricsModel_->columnCount(); ++c)
        header << metricsModel_->headerData(c, Qt::Horizontal).toString();
    lines << header.join(QLatin1Char('\t'));
    QList<int> rows;
    for (const QModelIndex& index : metricsView_->selectionModel()->selectedRows())
        rows << index.row();
    if (rows.size() <= 1) {
        rows.clear();
        for (int r = 0; r < metricsProxy_->rowCount(); ++r)
            rows << r;
    }
    std::sort(rows.begin(), rows.end());
    for (int r : rows) {
        QStringList cells;
        for (int c = 0; c < metricsProxy_->columnCount(); ++c)
            cells << metricsProxy_->index(r, c).data().toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void MainWindow::copyMetrics()
{
    QApplication::clipboard()->setText(metricsText());
    setStatus(tr("Copied the metrics table as text"));
}

bool MainWindow::exportMetrics(const QString& path)
{
    if (!result_) {
        setStatus(tr("No metrics yet: run the analysis first"), true);
        return false;
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    try {
        if (suffix == QLatin1String("csv"))
            writeMetricsCsv(path.toStdString(), result_->metrics);
        else if (suffix == QLatin1String("md"))
            writeFileAtomic(path.toStdString(), metricsMarkdown(result_->metrics));
        else if (suffix == QLatin1String("tex"))
            writeFileAtomic(path.toStdString(), metricsLatex(result_->metrics));
        else
            throw Error("cannot export '" + path.toStdString() + "': use a .csv, .md or .tex file name");
    } catch (const Error& e) {
        setStatus(QString::fromStdString(e.what()), true);
        return false;
    }
    setStatus(tr("Wrote %1").arg(path));
    return true;
}

void MainWindow::exportMetricsDialog()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("metrics.csv"),
                                                tr("CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)"));
    if (!path.isEmpty())
        exportMetrics(path);
}

} // namespace oodlens::ui
