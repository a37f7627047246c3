// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "AnalysisResult.h"

#include <QMainWindow>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QAction;
class QLabel;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace oodlens::ui {

class AnalysisRunner;
class HistogramView;
class MethodListWidget;
class MetricsTableModel;
class RocView;
class RunProgressWidget;

struct MainWindowOptions {
    // Start the demo run as soon as the event loop runs.
    bool autorun = true;
    // Restore and save geometry, dock layout and the current method (QSettings).
    bool persistSettings = true;
    // Methods to score; empty = MainWindow::defaultMethods().
    std::vector<std::string> methods;
    // Method shown first; empty = the one shown last time (or the first listed).
    std::string initialMethod;
    // Builds the run's configuration on the GUI thread; empty = oodlens::demoConfig(). May throw
    // oodlens::Error (e.g. demo files missing); the window reports it like a failed run.
    std::function<AnalysisConfig()> configFactory;
};

// The first vertical slice: runs an analysis on a worker thread, then shows for the method picked
// on the left the score histogram (ID vs each OOD set), the ROC curve, and the metrics of all methods.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Closed-form gradient and non-gradient scores plus one autograd check.
    static std::vector<std::string> defaultMethods();

    bool isRunning() const;
    AnalysisResultPtr result() const { return result_; }
    QString currentMethod() const;
    bool setCurrentMethod(const QString& id);

    HistogramView* histogramPlot() const { return histogram_; }
    RocView* rocPlot() const { return roc_; }
    MetricsTableModel* metricsModel() const { return metricsModel_; }
    QTableView* metricsView() const { return metricsView_; }
    MethodListWidget* methodList() const { return methodList_; }
    RunProgressWidget* progressWidget() const { return progress_; }
    QAction* runAction() const { return runAction_; }
    QAction* cancelAction() const { return cancelAction_; }
    QAction* logCountsAction() const { return logCountsAction_; }
    // The status line as shown (last outcome or error).
    QString statusText() const;

public slots:
    // Starts a run; false when one is already going on or the configuration cannot be built.
    bool startRun();
    void cancelRun();

signals:
    void runStarted();
    // Throttled progress of the running analysis (at most ~20 per second, plus stage changes).
    void runProgress(const QString& stage, qulonglong done, qulonglong total);
    void runFinished();
    void runFailed(const QString& message);
    void runCancelled();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildLayout();
    void restoreSettings();
    void saveSettings();
    void setRunning(bool running);
    void setStatus(const QString& text, bool error = false);
    void showMethod(const QString& id);
    void selectMetricsRowOf(const QString& id);
    void onFinished(AnalysisResultPtr result);
    void onFailed(const QString& message);
    void onCancelled();

    MainWindowOptions options_;
    AnalysisRunner* runner_;
    AnalysisResultPtr result_;

    MethodListWidget* methodList_ = nullptr;
    HistogramView* histogram_ = nullptr;
    RocView* roc_ = nullptr;
    QSplitter* plotSplitter_ = nullptr;
    MetricsTableModel* metricsModel_ = nullptr;
    QSortFilterProxyModel* metricsProxy_ = nullptr;
    QTableView* metricsView_ = nullptr;
    RunProgressWidget* progress_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* quitAction_ = nullptr;
    QAction* logCountsAction_ = nullptr;
};

} // namespace oodlens::ui
