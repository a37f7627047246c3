// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "factors/FactorAnalysis.h"
#include "plots/FigureExport.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace oodlens::ui {

// Typed access to the user's settings (organisation "OODLens", application "oodlens"): the keys
// live here and nowhere else.
class Settings {
public:
    Settings();

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray plotSplitterState() const;
    void setPlotSplitterState(const QByteArray& state);
    // Forgets the saved window geometry, dock layout and plot splitter (View > Reset layout).
    void clearLayout();
    bool logHistogramCounts() const;
    void setLogHistogramCounts(bool log);
    bool histogramDensity() const;
    void setHistogramDensity(bool density);
    int histogramBins() const; // 0 = automatic
    void setHistogramBins(int bins);
    bool overlayMethods() const;
    void setOverlayMethods(bool overlay);
    // Whether an edit reruns the analysis once it has run (RunController::autoRun); default on.
    bool autoRun() const;
    void setAutoRun(bool on);
    // Sessions and models opened lately, most recent first (at most kMaxRecentFiles).
    static constexpr int kMaxRecentFiles = 8;
    QStringList recentFiles() const;
    void addRecentFile(const QString& path);
    // Id of the method shown last ("gradnorm"), empty when none.
    QString currentMethod() const;
    void setCurrentMethod(const QString& id);

    // The figure export dialog's last choices: what was exported (an index into the dialog's
    // list), the size preset, every FigureOptions field, and the folder and format of the file.
    struct FigureExportChoices {
        int plot = -1;   // -1: the plot clicked last
        int preset = 0;  // FigureExportDialog's size presets
        FigureOptions options;
        QString directory;
        QString suffix = QStringLiteral("pdf");
    };
    FigureExportChoices figureExport() const;
    void setFigureExport(const FigureExportChoices& choices);
    // The contact sheet's number of images.
    int contactSheetCount() const;
    void setContactSheetCount(int count);
    // The Factors view's validation split (kind, fraction, seed, validation pair); a stored value
    // out of range reads as FactorSplit's default.
    FactorSplit factorSplit() const;
    void setFactorSplit(const FactorSplit& split);

private:
    QSettings settings_;
};

} // namespace oodlens::ui
