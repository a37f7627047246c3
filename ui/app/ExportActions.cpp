// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/ExportActions.h"

#include "apply/CurrentDetector.h"
#include "common/Error.h"
#include "common/Progress.h"
#include "docks/MetricsPanel.h"
#include "io/Export.h"
#include "plots/FigureExportDialog.h"
#include "plots/HistogramView.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "plots/ScorePlotsPanel.h"
#include "report/Report.h"
#include "workspace/Settings.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QProgressDialog>
#include <QThread>

#include <algorithm>
#include <vector>

namespace oodlens::ui {

namespace {

// What the worker hands back.
struct ReportOutcome {
    FactorReport factors;
    bool ok = false, cancelled = false;
    std::string error;
};

} // namespace

ExportActions::ExportActions(Workspace* workspace, ScorePlotsPanel* plots, MetricsPanel* metrics, QWidget* window)
    : QObject(window), workspace_(workspace), plots_(plots), metrics_(metrics), window_(window)
{
}

ExportActions::~ExportActions()
{
    if (detectorWorker_) {
        detectorWorker_->wait();
        delete detectorWorker_;
    }
    if (reportWorker_) {
        *reportCancel_ = true;
        reportWorker_->wait();
        delete reportWorker_;
    }
}

bool ExportActions::exportPlot(QCustomPlot* plot, const QString& path, const FigureOptions& options)
{
    QString error;
    if (!exportFigure(plot, path, options, &error)) {
        emit status(error, true, QString());
        return false;
    }
    emit status(tr("Wrote %1").arg(path), false, QString());
    return true;
}

bool ExportActions::exportPlotPanels(const QString& path, const FigureOptions& options)
{
    QString error;
    if (!exportPanels({plots_->histogram(), plots_->roc(), plots_->pr()}, path, options, &error)) {
        emit status(error, true, QString());
        return false;
    }
    emit status(tr("Wrote %1").arg(path), false, QString());
    return true;
}

void ExportActions::exportFigureDialog()
{
    const std::vector<QCustomPlot*> plots{plots_->histogram(), plots_->roc(), plots_->pr()};
    const int panels = int(plots.size());
    Settings settings;
    Settings::FigureExportChoices choices = settings.figureExport();
    // The plot clicked last, unless the panels were exported last time.
    int current = int(std::find(plots.begin(), plots.end(), plots_->lastPlot()) - plots.begin());
    if (choices.plot == panels)
        current = panels;
    FigureExportDialog dialog({tr("Histogram"), tr("ROC curve"), tr("Precision-recall curve"),
                               tr("Histogram + ROC + precision-recall (panels a-c)")},
                              current, window_, panels);
    dialog.setChoices(choices.preset, choices.options);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QStringList kinds{QStringLiteral("histogram"), QStringLiteral("roc"), QStringLiteral("pr"),
                            QStringLiteral("panels")};
    const QString name = workspace_->currentMethod() + QLatin1Char('-') + kinds.value(dialog.plotIndex()) +
                         QLatin1Char('.') + choices.suffix;
    const QStringList filters{tr("PDF (*.pdf)"), tr("SVG (*.svg)"), tr("PNG (*.png)")};
    QString filter = filters.value(std::max(0, int(QStringList{QStringLiteral("pdf"), QStringLiteral("svg"), QStringLiteral("png")}.indexOf(choices.suffix))));
    QString path = QFileDialog::getSaveFileName(window_, tr("Export figure"), QDir(choices.directory).filePath(name),
                                                filters.join(QStringLiteral(";;")), &filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".pdf");
    choices.plot = dialog.plotIndex();
    choices.preset = dialog.preset();
    choices.options = dialog.options();
    choices.directory = QFileInfo(path).absolutePath();
    choices.suffix = QFileInfo(path).suffix().toLower();
    settings.setFigureExport(choices);
    if (dialog.plotIndex() == panels)
        exportPlotPanels(path, dialog.options());
    else
        exportPlot(plots[std::size_t(dialog.plotIndex())], path, dialog.options());
}

bool ExportActions::exportMetrics(const QString& path)
{
    const RunResultPtr result = workspace_->result();
    if (!result) {
        emit status(tr("No metrics yet: run the analysis first"), true, QString());
        return false;
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    try {
        if (suffix == QLatin1String("csv"))
            writeMetricsCsv(path.toStdString(), result->metrics);
        else if (suffix == QLatin1String("md"))
            writeFileAtomic(path.toStdString(), metricsMarkdown(result->metrics));
        else if (suffix == QLatin1String("tex"))
            writeFileAtomic(path.toStdString(), metricsLatex(result->metrics));
        else
            throw Error("cannot export '" + path.toStdString() + "': use a .csv, .md or .tex file name");
    } catch (const Error& e) {
        emit status(QString::fromStdString(e.what()), true, QString());
        return false;
    }
    emit status(tr("Wrote %1").arg(path), false, QString());
    return true;
}

void ExportActions::exportMetricsDialog()
{
    const QString path = QFileDialog::getSaveFileName(window_, tr("Export metrics"), QStringLiteral("metrics.csv"),
                                                      tr("CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)"));
    if (!path.isEmpty())
        exportMetrics(path);
}

bool ExportActions::writeReportFiles(const QString& dir, const RunResult& result, const FactorReport& factors)
{
    try {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        struct RestoreCursor {
            ~RestoreCursor() { QApplication::restoreOverrideCursor(); }
        } restore;
        ReportOptions options;
        options.commandLine = "oodlens (File > Export report)";
        writeReport(dir.toStdString(), result, factors, options);
    } catch (const std::exception& e) {
        emit status(QString::fromStdString(e.what()), true, QString());
        return false;
    }
    emit status(tr("Wrote the report to %1").arg(QDir(dir).filePath(QStringLiteral("report.html"))), false, QString());
    return true;
}

bool ExportActions::exportReport(const QString& dir, const FactorOptions& factors)
{
    const RunResultPtr result = workspace_->result();
    if (!result || result->partial) {
        emit status(tr("No result to report yet: run the analysis first"), true, QString());
        return false;
    }
    FactorReport report;
    try {
        checkReportFolder(dir.toStdString());
        report = analyseFactors(*result, factors);
    } catch (const std::exception& e) {
        emit status(QString::fromStdString(e.what()), true, QString());
        return false;
    }
    return writeReportFiles(dir, *result, report);
}

void ExportActions::exportReportDialog()
{
    const RunResultPtr result = workspace_->result();
    if (!result || result->partial) {
        emit status(tr("No result to report yet: run the analysis first"), true, QString());
        return;
    }
    if (reportWorker_) {
        emit status(tr("A report is being written already"), true, QString());
        return;
    }
    const QString dir = QFileDialog::getExistingDirectory(window_, tr("Export report to folder"),
                                                          Settings().figureExport().directory);
    if (dir.isEmpty())
        return;
    try {
        checkReportFolder(dir.toStdString()); // before the work: a folder that takes no files
    } catch (const std::exception& e) {
        emit status(QString::fromStdString(e.what()), true, QString());
        return;
    }
    // The analysis (paired bootstraps over the family) on a worker; the figures are widgets, drawn
    // here on the GUI thread once it is done.
    const FactorOptions options = factorOptions();
    reportCancel_ = std::make_shared<std::atomic<bool>>(false);
    auto outcome = std::make_shared<ReportOutcome>();
    reportWorker_ = QThread::create([result, options, cancel = reportCancel_, outcome] {
        FlagProgressSink sink(cancel);
        try {
            outcome->factors = analyseFactors(*result, options, &sink);
            outcome->ok = true;
        } catch (const Cancelled&) {
            outcome->cancelled = true;
        } catch (const std::exception& e) {
            outcome->error = e.what();
        }
    });
    auto* progress = new QProgressDialog(tr("Comparing the gradient scores with their factors\u2026"), tr("Cancel"), 0,
                                         0, window_);
    progress->setWindowTitle(tr("Export report"));
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(1000); // shown only when it takes longer than a second
    connect(progress, &QProgressDialog::canceled, this, [cancel = reportCancel_] { *cancel = true; });
    connect(reportWorker_, &QThread::finished, this, [this, progress, outcome, result, dir] {
        reportWorker_->deleteLater();
        reportWorker_ = nullptr;
        progress->deleteLater();
        if (outcome->cancelled) {
            emit status(tr("Report cancelled"), false, QString());
            return;
        }
        if (!outcome->ok) {
            emit status(QString::fromStdString(outcome->error), true, QString());
            return;
        }
        progress->setLabelText(tr("Drawing and writing the report\u2026"));
        writeReportFiles(dir, *result, outcome->factors);
    });
    reportWorker_->start();
}

bool ExportActions::exportDetector(const QString& path)
{
    if (detectorWorker_) {
        emit status(tr("A detector is being written already"), true, QString());
        return false;
    }
    CurrentDetectorJob job;
    try {
        job = currentDetectorJob(*workspace_);
    } catch (const std::exception& e) {
        emit status(tr("Cannot export a detector: %1").arg(QString::fromStdString(e.what())), true, QString());
        return false;
    }
    // The rates' bootstrap and the file (a fitted method's fit set can be large) on the worker.
    auto error = std::make_shared<std::string>();
    auto detector = std::make_shared<Detector>();
    detectorWorker_ = QThread::create([job, detector, file = path.toStdString(), error] {
        try {
            *detector = job.run();
            writeDetector(*detector, file);
        } catch (const std::exception& e) {
            *error = e.what();
        }
    });
    connect(detectorWorker_, &QThread::finished, this, [this, path, error, detector] {
        detectorWorker_->deleteLater();
        detectorWorker_ = nullptr;
        if (!error->empty()) {
            emit status(tr("Cannot export the detector: %1").arg(QString::fromStdString(*error)), true, QString());
            return;
        }
        emit status(tr("Wrote detector %1: %2 at threshold %3 (apply it with oodlens-cli apply --detector, or in "
                       "the Apply tab)")
                        .arg(path, QString::fromStdString(detector->methodLabel()))
                        .arg(detector->threshold, 0, 'g', 6),
                    false, QString::fromStdString(detectorText(*detector)));
        emit detectorWritten(path);
    });
    detectorWorker_->start();
    return true;
}

void ExportActions::exportDetectorDialog()
{
    const QString name = workspace_->currentMethod() + QStringLiteral("-detector.json");
    const QString path = QFileDialog::getSaveFileName(window_, tr("Export detector"),
                                                      QDir(Settings().figureExport().directory).filePath(name),
                                                      tr("OOD Lens detectors (*.json)"));
    if (!path.isEmpty())
        exportDetector(path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive) ? path : path + QStringLiteral(".json"));
}

void ExportActions::copyMetrics()
{
    QApplication::clipboard()->setText(metrics_->metricsText());
    emit status(tr("Copied the metrics table as text"), false, QString());
}

} // namespace oodlens::ui
