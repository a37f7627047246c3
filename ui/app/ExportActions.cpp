// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/ExportActions.h"

#include "common/Error.h"
#include "docks/MetricsPanel.h"
#include "io/Export.h"
#include "plots/FigureExportDialog.h"
#include "plots/HistogramView.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "plots/ScorePlotsPanel.h"
#include "workspace/Settings.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <vector>

namespace oodlens::ui {

ExportActions::ExportActions(Workspace* workspace, ScorePlotsPanel* plots, MetricsPanel* metrics, QWidget* window)
    : QObject(window), workspace_(workspace), plots_(plots), metrics_(metrics), window_(window)
{
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

void ExportActions::copyMetrics()
{
    QApplication::clipboard()->setText(metrics_->metricsText());
    emit status(tr("Copied the metrics table as text"), false, QString());
}

} // namespace oodlens::ui
