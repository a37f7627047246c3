// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "app/ExportActions.h"
#include "app/SessionActions.h"
#include "docks/MethodsPanel.h"
#include "docks/MetricsPanel.h"
#include "plots/ScorePlotsPanel.h"
#include "workspace/ResultMetaTypes.h"
#include "workspace/RunController.h"
#include "workspace/Workspace.h"

#include <QMainWindow>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QAction;
class QLabel;
class QMenu;
class QSpinBox;
class QTabWidget;
class QTableView;
class QToolButton;

namespace oodlens::ui {

class AnalysisRunner;
class ApplyView;
class DatasetsPanel;
class ExplorePanel;
class ExportActions;
class FactorsView;
class SweepView;
class HistogramView;
class MethodListWidget;
class MethodParamsEditor;
class MethodsPanel;
class MetricsPanel;
class MetricsTableModel;
class ModelPanel;
class PreprocessPanel;
class PrView;
class ResultsTableView;
class RocView;
class RunController;
class RunProgressWidget;
class SessionActions;
class ScorePlotsPanel;
class ThresholdPanel;
class Workspace;

struct MainWindowOptions {
    // Start the run as soon as the event loop runs.
    bool autorun = true;
    // Restore and save geometry, dock layout, view options and recent files (QSettings).
    bool persistSettings = true;
    // Methods to score (checked in the Methods dock); empty = MainWindow::defaultMethods().
    std::vector<std::string> methods;
    // Method shown first; empty = the one shown last time (or the first checked).
    std::string method;
    // Builds the analysis (model, datasets, ...) on the GUI thread; empty = oodlens::demoConfig().
    // May throw oodlens::Error (e.g. demo files missing); the window reports it like a failed run.
    std::function<RunConfig()> configFactory;
    // A session file to open instead (File > Open session); its errors are reported in the window.
    QString sessionFile;
};

// The analysis window: a model and its datasets (docks), every method with its parameters
// (dock), the score histogram with a draggable threshold, ROC and precision-recall curves with
// the operating point, the threshold's readouts, and the metrics of every method. It only lays
// these out with their actions, menus and settings: the state they show is the Workspace's
// (which every dock and plot observes), runs are the RunController's (a worker thread that
// keeps extracted features, so a parameter or method change rescores without running the model
// again), files in and out are SessionActions' and ExportActions'. The accessors below reach
// them, for tests and for gui_main.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Closed-form gradient and non-gradient scores plus one autograd check.
    static std::vector<std::string> defaultMethods();

    Workspace* workspace() const { return workspace_; }
    Workspace* session() const { return workspace_; }
    RunController* runController() const { return run_; }
    SessionActions* sessionActions() const { return sessionActions_; }
    ExportActions* exportActions() const { return exportActions_; }
    AnalysisRunner* runner() const { return run_->runner(); }
    bool isRunning() const { return run_->isRunning(); }
    RunResultPtr result() const { return workspace_->result(); }
    QString currentMethod() const { return workspace_->currentMethod(); }
    // False when `id` is not a known method.
    bool setCurrentMethod(const QString& id);
    // The analysis as configured now (what the next run will do).
    const RunConfig& config() const { return workspace_->config(); }

    ScorePlotsPanel* plotsPanel() const { return plots_; }
    HistogramView* histogramPlot() const { return plots_->histogram(); }
    RocView* rocPlot() const { return plots_->roc(); }
    PrView* prPlot() const { return plots_->pr(); }
    QSpinBox* binsSpin() const { return plots_->binsSpin(); }
    ThresholdPanel* thresholdPanel() const { return thresholdPanel_; }
    MetricsPanel* metricsPanel() const { return metricsPanel_; }
    MetricsTableModel* metricsModel() const { return metricsPanel_->metricsModel(); }
    QTableView* metricsView() const { return metricsPanel_; }
    MethodsPanel* methodsPanel() const { return methodsPanel_; }
    // The OpenOOD-style results table dock (tabbed with the metrics dock).
    ResultsTableView* resultsTable() const { return resultsTable_; }
    MethodListWidget* methodList() const { return methodsPanel_->list(); }
    MethodParamsEditor* paramsEditor() const { return methodsPanel_->paramsEditor(); }
    DatasetsPanel* datasetsPanel() const { return datasetsPanel_; }
    ModelPanel* modelPanel() const { return modelPanel_; }
    PreprocessPanel* preprocessPanel() const { return preprocessPanel_; }
    QAction* autoRunAction() const { return autoRunAction_; }
    ExplorePanel* explorePanel() const { return explorePanel_; }
    // The "Gradients?" tab: the factor analysis of the result.
    FactorsView* factorsView() const { return factorsView_; }
    SweepView* sweepView() const { return sweepView_; }
    // The central tabs, in order.
    enum Tab { AnalysisTab = 0, ExploreTab = 1, FactorsTab = 2, SweepTab = 3, ApplyTab = 4 };
    // The Apply tab: a detector applied to new images.
    ApplyView* applyView() const { return applyView_; }
    QAction* exportDetectorAction() const { return exportDetectorAction_; }
    QTabWidget* centralTabs() const { return centralTabs_; }
    RunProgressWidget* progressWidget() const { return progress_; }
    QAction* runAction() const { return runAction_; }
    QAction* cancelAction() const { return cancelAction_; }
    QAction* logCountsAction() const { return logCountsAction_; }
    QAction* densityAction() const { return densityAction_; }
    QAction* overlayAction() const { return overlayAction_; }
    QAction* bootstrapAction() const { return bootstrapAction_; }
    // View > Reset layout and Help > Shortcuts.
    QAction* resetLayoutAction() const { return resetLayoutAction_; }
    QAction* shortcutsAction() const { return shortcutsAction_; }
    // The status line as shown (last outcome or error).
    QString statusText() const;
    // Why the session given in the options has nothing to run (it cannot be read, or its model is
    // missing); empty when it runs or no session was given. --screenshot exits with it.
    QString startupProblem() const { return startupProblem_; }

    // Shortcuts to what the docks, menus and drops do; the rest is reached through workspace(),
    // sessionActions() and exportActions().
    bool addDataset(const DatasetSpec& spec) { return sessionActions_->addDataset(spec); }
    void setParam(const QString& key, double value) { workspace_->setParam(key, value); }
    bool saveSession(const QString& path) { return sessionActions_->saveSession(path); }
    bool openSession(const QString& path) { return sessionActions_->openSession(path); }
    // The metrics as text (tab-separated, what Ctrl+C copies), and written through core's exporters.
    QString metricsText() const { return metricsPanel_->metricsText(); }
    bool exportMetrics(const QString& path) { return exportActions_->exportMetrics(path); }

public slots:
    // Starts a run; false when one is already going on or the configuration cannot be built.
    bool startRun() { return run_->startRun(); }
    void cancelRun() { run_->cancelRun(); }
    // Shows a result as a run's end does (RunController::showResult).
    void setResult(oodlens::RunResultPtr result) { run_->showResult(std::move(result)); }
    // Puts every dock back where a new window has it, at sizes made for the window's present size
    // (docks tabbed on the right below kWideLayoutWidth), the plot and explorer splitters at their
    // default shares, and forgets the saved layout (Settings::clearLayout).
    void resetLayout();
    // Help > Shortcuts: every action's keys, read from the actions (ShortcutsDialog).
    void showShortcuts();

signals:
    void runStarted();
    // Throttled progress of the running analysis (at most ~20 per second, plus stage changes).
    void runProgress(const QString& stage, qulonglong done, qulonglong total);
    void runFinished();
    void runFailed(const QString& message);
    void runCancelled();

public:
    // Below this window width the default layout tabs the Datasets dock with Threshold and Model.
    static constexpr int kWideLayoutWidth = 1280;

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    void buildLayout();
    void buildMenus();
    void connectRuns();
    void restoreSettings();
    void saveSettings();
    void setStatus(const QString& text, bool error = false, const QString& details = QString());
    void showTitle();
    // A failed run's message with the model, the datasets and the preprocessing it was run with.
    QString runDetails(const QString& message) const;
    // The default dock sizes and splitter shares for the window's present size (see resetLayout).
    void applyDefaultLayout();

    MainWindowOptions options_;
    Workspace* workspace_;
    RunController* run_;
    SessionActions* sessionActions_ = nullptr;
    ExportActions* exportActions_ = nullptr;

    ScorePlotsPanel* plots_ = nullptr;
    MethodsPanel* methodsPanel_ = nullptr;
    QTabWidget* centralTabs_ = nullptr;
    ThresholdPanel* thresholdPanel_ = nullptr;
    DatasetsPanel* datasetsPanel_ = nullptr;
    ModelPanel* modelPanel_ = nullptr;
    PreprocessPanel* preprocessPanel_ = nullptr;
    ExplorePanel* explorePanel_ = nullptr;
    FactorsView* factorsView_ = nullptr;
    SweepView* sweepView_ = nullptr;
    ApplyView* applyView_ = nullptr;
    MetricsPanel* metricsPanel_ = nullptr;
    ResultsTableView* resultsTable_ = nullptr;
    RunProgressWidget* progress_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QToolButton* detailsButton_ = nullptr;
    QString statusDetails_;
    bool statusError_ = false;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* openModelAction_ = nullptr;
    QAction* addDatasetAction_ = nullptr;
    QAction* openSessionAction_ = nullptr;
    QString startupProblem_;
    QAction* saveSessionAction_ = nullptr;
    QAction* saveSessionAsAction_ = nullptr;
    QAction* exportFigureAction_ = nullptr;
    QAction* exportMetricsAction_ = nullptr;
    QAction* exportReportAction_ = nullptr;
    QAction* exportDetectorAction_ = nullptr;
    QAction* logCountsAction_ = nullptr;
    QAction* densityAction_ = nullptr;
    QAction* overlayAction_ = nullptr;
    QAction* bootstrapAction_ = nullptr;
    QAction* autoRunAction_ = nullptr;
    QAction* resetLayoutAction_ = nullptr;
    QAction* shortcutsAction_ = nullptr;
    // The dock arrangement as built (saveState before the first show), what Reset layout restores.
    QByteArray defaultState_;
    // No saved layout was restored: the first show applies the default sizes.
    bool defaultLayoutPending_ = true;
};

} // namespace oodlens::ui
