// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/FigureExport.h"

#include <QObject>
#include <QString>

class QCustomPlot;
class QWidget;

namespace oodlens::ui {

class MetricsPanel;
class ScorePlotsPanel;
class Workspace;

// What leaves the window: a plot or the three plots side by side as a figure (PDF, SVG or PNG at
// a paper column's size, the dialog's last choices remembered in Settings), the
// metrics through core's exporters (.csv, .md, .tex) or as text on the clipboard. Dialogs open
// over `window`; outcomes are reported through `status`.
class ExportActions : public QObject {
    Q_OBJECT

public:
    ExportActions(Workspace* workspace, ScorePlotsPanel* plots, MetricsPanel* metrics, QWidget* window);

    // False with the reason in `status`.
    bool exportPlot(QCustomPlot* plot, const QString& path, const FigureOptions& options);
    // The histogram, ROC and precision-recall curves of the current method as panels (a)-(c).
    bool exportPlotPanels(const QString& path, const FigureOptions& options);
    bool exportMetrics(const QString& path);

public Q_SLOTS:
    void exportFigureDialog();
    void exportMetricsDialog();
    void copyMetrics();

Q_SIGNALS:
    void status(const QString& text, bool error, const QString& details);

private:
    Workspace* workspace_;
    ScorePlotsPanel* plots_;
    MetricsPanel* metrics_;
    QWidget* window_;
};

} // namespace oodlens::ui
