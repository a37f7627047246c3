// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "plots/FigureExport.h"

#include <QMainWindow>
#include <QString>

#include <functional>
#include <limits>
#include <string>
#include <vector>

class QAction;
class QCheckBox;
class QLabel;
class QMenu;
class QSortFilterProxyModel;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableView;
class QCustomPlot;

namespace oodlens {
struct SessionFile;
}

namespace oodlens::ui {

class AnalysisRunner;
class Workspace;
class DatasetsPanel;
class ExplorePanel;
class HistogramView;
class MethodListWidget;
class MethodParamsEditor;
class MetricsTableModel;
class ModelPanel;
class PrView;
class RocView;
class RunProgressWidget;
class ThresholdPanel;

struct MainWindowOptions {
    // Start the run as soon as the event loop runs.
    bool autorun = true;
    // Restore and save geometry, dock layout, view options and recent files (QSettings).
    bool persistSettings = true;
    // Methods to score (checked in the Methods dock); empty = MainWindow::defaultMethods().
    std::vector<std::string> methods;
    // Method shown first; empty = the one shown last time (or the first checked).
    std::string initialMethod;
    // Builds the analysis (model, datasets, ...) on the GUI thread; empty = oodlens::demoConfig().
    // May throw oodlens::Error (e.g. demo files missing); the window reports it like a failed run.
    std::function<RunConfig()> configFactory;
    // A session file to open instead (File > Open session); its errors are reported in the window.
    QString sessionFile;
};

// The analysis workspace: a model and its datasets (docks), every method with its parameters
// (dock), the score histogram with a draggable threshold, ROC and precision-recall curves with
// the operating point, the threshold's readouts, and the metrics of every method. All views sync
// through one Workspace. Runs happen on a worker thread that keeps extracted features, so
// a parameter or method change rescores without running the model again.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Closed-form gradient and non-gradient scores plus one autograd check.
    static std::vector<std::string> defaultMethods();

    bool isRunning() const;
    RunResultPtr result() const { return result_; }
    Workspace* session() const { return session_; }
    QString currentMethod() const;
    bool setCurrentMethod(const QString& id);
    // The analysis as configured now (what the next run will do).
    const RunConfig& config() const { return config_; }

    HistogramView* histogramPlot() const { return histogram_; }
    RocView* rocPlot() const { return roc_; }
    PrView* prPlot() const { return pr_; }
    ThresholdPanel* thresholdPanel() const { return thresholdPanel_; }
    MetricsTableModel* metricsModel() const { return metricsModel_; }
    QTableView* metricsView() const { return metricsView_; }
    MethodListWidget* methodList() const { return methodList_; }
    MethodParamsEditor* paramsEditor() const { return paramsEditor_; }
    DatasetsPanel* datasetsPanel() const { return datasetsPanel_; }
    ModelPanel* modelPanel() const { return modelPanel_; }
    ExplorePanel* explorePanel() const { return explorePanel_; }
    QTabWidget* centralTabs() const { return centralTabs_; }
    RunProgressWidget* progressWidget() const { return progress_; }
    AnalysisRunner* runner() const { return runner_; }
    QAction* runAction() const { return runAction_; }
    QAction* cancelAction() const { return cancelAction_; }
    QAction* logCountsAction() const { return logCountsAction_; }
    QAction* densityAction() const { return densityAction_; }
    QAction* overlayAction() const { return overlayAction_; }
    QAction* bootstrapAction() const { return bootstrapAction_; }
    QSpinBox* binsSpin() const { return binsSpin_; }
    // The status line as shown (last outcome or error).
    QString statusText() const;

    // Editing the analysis (also what the docks, menus and drops do).
    void setModelPath(const QString& path);
    // Adds a dataset; a second ID set replaces the first. Returns false (status says why) on a
    // bad spec.
    bool addDataset(const DatasetSpec& spec);
    void removeDataset(int index);
    // Adds what was dropped: a session file opens, a model file becomes the model, anything else
    // (folders, dataset files) becomes a dataset: the ID set when there is none, else an OOD set.
    void addDroppedPaths(const QStringList& paths);
    // Sets one score parameter ("energy.T") and rescores from the kept features.
    void setParam(const QString& key, double value);

    // Sessions: save (atomically) and open. False with the reason in the status bar.
    bool saveSession(const QString& path);
    bool openSession(const QString& path);
    SessionFile currentProject() const;
    QString sessionPath() const { return sessionPath_; }

    // Exports the plot as a figure (format from the extension); false with the reason in the status bar.
    bool exportPlot(QCustomPlot* plot, const QString& path, const FigureOptions& options);
    // The metrics as text (tab-separated, what Ctrl+C copies), and written through core's exporters
    // (.csv, .md, .tex by extension).
    QString metricsText() const;
    bool exportMetrics(const QString& path);

public slots:
    // Starts a run; false when one is already going on or the configuration cannot be built.
    bool startRun();
    void cancelRun();
    // Shows a finished result (what a run's end does).
    void setResult(oodlens::RunResultPtr result);

signals:
    void runStarted();
    // Throttled progress of the running analysis (at most ~20 per second, plus stage changes).
    void runProgress(const QString& stage, qulonglong done, qulonglong total);
    void runFinished();
    void runFailed(const QString& message);
    void runCancelled();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    void buildLayout();
    void buildMenus();
    void restoreSettings();
    void saveSettings();
    bool ensureConfig();
    void configChanged();
    void requestRescore();
    void setRunning(bool running);
    void setStatus(const QString& text, bool error = false);
    void showMethod(const QString& id);
    // Redraws the current method; the threshold becomes `keepThreshold` when finite, else the one
    // accepting `carryAcceptance` of the ID set, else the one at 95% ID TPR.
    void redrawCurrent(double carryAcceptance, double keepThreshold = std::numeric_limits<double>::quiet_NaN());
    void drawCurves();
    void applyThreshold(double threshold);
    double currentIdAcceptance() const;
    void selectMetricsRowOf(const QString& id);
    void onFinished(RunResultPtr result);
    void onFailed(const QString& message);
    void onCancelled();
    void openModelDialog();
    void addDatasetDialog();
    void openSessionDialog();
    bool saveSessionDialog(bool forceAsk);
    void exportFigureDialog();
    void exportMetricsDialog();
    void copyMetrics();
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    QCustomPlot* focusedPlot() const;

    MainWindowOptions options_;
    AnalysisRunner* runner_;
    Workspace* session_;
    RunResultPtr result_;
    RunConfig config_;
    bool configReady_ = false;
    bool rerunPending_ = false;
    double pendingThreshold_;
    QString sessionPath_;
    // The curves drawn, in order: (method, OOD dataset index).
    std::vector<std::pair<std::string, std::size_t>> curveKeys_;
    QCustomPlot* lastPlot_ = nullptr;

    MethodListWidget* methodList_ = nullptr;
    MethodParamsEditor* paramsEditor_ = nullptr;
    HistogramView* histogram_ = nullptr;
    RocView* roc_ = nullptr;
    PrView* pr_ = nullptr;
    QSpinBox* binsSpin_ = nullptr;
    QCheckBox* densityCheck_ = nullptr;
    QSplitter* plotSplitter_ = nullptr;
    QSplitter* curveSplitter_ = nullptr;
    QTabWidget* centralTabs_ = nullptr;
    ThresholdPanel* thresholdPanel_ = nullptr;
    DatasetsPanel* datasetsPanel_ = nullptr;
    ModelPanel* modelPanel_ = nullptr;
    ExplorePanel* explorePanel_ = nullptr;
    MetricsTableModel* metricsModel_ = nullptr;
    QSortFilterProxyModel* metricsProxy_ = nullptr;
    QTableView* metricsView_ = nullptr;
    RunProgressWidget* progress_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* openModelAction_ = nullptr;
    QAction* addDatasetAction_ = nullptr;
    QAction* openSessionAction_ = nullptr;
    QAction* saveSessionAction_ = nullptr;
    QAction* saveSessionAsAction_ = nullptr;
    QAction* exportFigureAction_ = nullptr;
    QAction* exportMetricsAction_ = nullptr;
    QAction* copyMetricsAction_ = nullptr;
    QAction* logCountsAction_ = nullptr;
    QAction* densityAction_ = nullptr;
    QAction* overlayAction_ = nullptr;
    QAction* bootstrapAction_ = nullptr;
};

} // namespace oodlens::ui
