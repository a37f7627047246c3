// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "factors/FactorAnalysis.h"
#include "plots/FigureExport.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QCustomPlot;
class QThread;
class QWidget;

namespace oodlens::ui {

class MetricsPanel;
class ScorePlotsPanel;
class Workspace;

// What leaves the window: a plot or the three plots side by side as a figure (PDF, SVG or PNG at
// a paper column's size, the dialog's last choices remembered in Settings), the
// metrics through core's exporters (.csv, .md, .tex) or as text on the clipboard, and the report
// of the factor analysis (ui/report/Report.h, the writer of `oodlens-cli report` too), and the
// current method at the current threshold as a detector (core/detector). Dialogs open
// over `window`; outcomes are reported through `status`.
class ExportActions : public QObject {
    Q_OBJECT

public:
    ExportActions(Workspace* workspace, ScorePlotsPanel* plots, MetricsPanel* metrics, QWidget* window);
    // Cancels a report's factor analysis that is still running and waits for it.
    ~ExportActions() override;

    // False with the reason in `status`.
    bool exportPlot(QCustomPlot* plot, const QString& path, const FigureOptions& options);
    // The histogram, ROC and precision-recall curves of the current method as panels (a)-(c).
    bool exportPlotPanels(const QString& path, const FigureOptions& options);
    bool exportMetrics(const QString& path);
    // The report of the current result into folder `dir`, with `factors`: the factor analysis and
    // the files, on this thread. False with the reason in `status`.
    bool exportReport(const QString& dir, const FactorOptions& factors);
    // The current method at the current threshold as a detector file (currentDetectorJob: taken
    // here, calibrated and written on a worker thread, as the bootstrap and a fitted method's fit
    // set can be large); detectorWritten or a status error follows. False with the reason in
    // `status` when nothing was started.
    bool exportDetector(const QString& path);
    // Where the report's factor options come from (the Factors view's split and resamples); without
    // one, FactorOptions' defaults.
    void setFactorOptionsSource(std::function<FactorOptions()> source) { factorOptions_ = std::move(source); }
    FactorOptions factorOptions() const { return factorOptions_ ? factorOptions_() : FactorOptions(); }

public Q_SLOTS:
    void exportFigureDialog();
    void exportMetricsDialog();
    void copyMetrics();
    // Asks for a folder, runs the factor analysis on a worker thread behind a progress dialog (which
    // cancels it), then draws and writes the report.
    void exportReportDialog();
    void exportDetectorDialog();

Q_SIGNALS:
    void status(const QString& text, bool error, const QString& details);
    void detectorWritten(const QString& path);

private:
    Workspace* workspace_;
    ScorePlotsPanel* plots_;
    MetricsPanel* metrics_;
    QWidget* window_;
    bool writeReportFiles(const QString& dir, const RunResult& result, const FactorReport& factors);

    std::function<FactorOptions()> factorOptions_;
    QThread* reportWorker_ = nullptr; // the factor analysis of exportReportDialog, while it runs
    std::shared_ptr<std::atomic<bool>> reportCancel_;
    QThread* detectorWorker_ = nullptr; // writing the file of exportDetector
};

} // namespace oodlens::ui
