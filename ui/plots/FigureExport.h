// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/FigureStyle.h"

#include <QFont>
#include <QRect>
#include <QSize>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QCustomPlot;
class QPainter;

namespace oodlens::ui {

enum class FigureFormat { Pdf, Svg, Png };

// The printed size of a figure. Presets follow the usual paper columns.
struct FigureSize {
    enum class Unit { Cm, Inch };
    double width = 8.5;
    double height = 6.0;
    Unit unit = Unit::Cm;

    double widthInches() const { return unit == Unit::Cm ? width / 2.54 : width; }
    double heightInches() const { return unit == Unit::Cm ? height / 2.54 : height; }
    // 8.5 cm wide (one column of a two-column paper), 6 cm high.
    static FigureSize oneColumn() { return {8.5, 6.0, Unit::Cm}; }
    // 17.5 cm wide (a full page width), 8 cm high.
    static FigureSize twoColumn() { return {17.5, 8.0, Unit::Cm}; }
    // 17.5 cm wide, 6 cm high: a row of three panels across the page.
    static FigureSize panelRow() { return {17.5, 6.0, Unit::Cm}; }
};

// How a figure is drawn. The defaults make a figure for a paper: no window titles or notes, the
// legend where it hides no data, square ROC and precision-recall axes, one named font.
struct FigureOptions {
    FigureSize size = FigureSize::oneColumn();
    int dpi = 300;          // PNG only; PDF and SVG are vector
    double fontPoints = 0;  // base font size; 0 picks 8 pt (one column) to 9 pt (wider)
    QString fontFamily;     // empty: defaultFigureFontFamily()
    LegendPlacement legend = LegendPlacement::Auto;
    bool titles = false;       // the window's plot title above each plot
    bool notes = false;        // the window's notes ("drawn: <= 2500 of N points", non-finite counts)
    bool squareCurves = true;  // ROC and precision-recall plot areas exactly square
    bool panelLetters = true;  // (a), (b), ... above the panels of a multi-panel figure
};

// What an export drew, for checks and tests. Rectangles are in figure units (1/96 inch, origin
// top left).
struct FigureReport {
    struct Panel {
        QRect axisRect;            // the plot area
        LegendPlacement legend = LegendPlacement::None; // where the legend went (Auto resolved)
        QRect legendRect;          // empty when there is no legend
        int legendEntries = 0;     // entries drawn in the legend
        int legendOmitted = 0;     // entries summarised as "+N more"
        int plottables = 0;        // curves, graphs and histograms drawn
        QString heading;           // the text above the panel ("(a)", a title), empty when none
    };
    std::vector<Panel> panels;
    QSize size;            // the figure, in 1/96 inch
    QString fontFamily;    // the family every text of the figure is set in
    double fontPoints = 0; // the base size
};

// The family figures use when none is chosen: DejaVu Sans when installed (it ships with the
// packages, so figures look alike everywhere), else the application font's.
QString defaultFigureFontFamily();
// The family the font system really draws for `requested` ("Helvetica" may come out as "Nimbus
// Sans"), which is what a PDF embeds and what an SVG names.
QString concreteFontFamily(const QString& requested);

// The figure font of `options` (its family made concrete, its base size, or 8-9 pt by width)
// `delta` points larger, with metrics that match what PDF and SVG readers draw.
QFont figureFont(const FigureOptions& options, double delta = 0, bool bold = false);

// Writes whatever `paint` draws on a `size` area (1/96 inch units) as a PDF (fonts embedded), SVG
// or PNG at options.dpi, by the file's extension: for figures that are not plots (the inspector).
bool writePaintedFigure(const QString& path, const QSize& size, const FigureOptions& options,
                        const std::function<void(QPainter&)>& paint, QString* error = nullptr);

// `name` (a method id, an OOD set's name) as part of a figure's file name: every character but
// letters, digits, '_' and '-' becomes '_' ("fashion mnist" -> "fashion_mnist").
std::string figureFileStem(const std::string& name);

// The format of a file name's extension (.pdf, .svg, .png); false when none of these.
bool figureFormatFromPath(const QString& path, FigureFormat* format);

// Writes `plot` as a figure at the printed size of `options`: PDF (vector, text as text, fonts
// embedded), SVG (vector, fonts named) or PNG (round(width in inches x dpi) pixels wide, the DPI
// recorded in the file). The figure is drawn afresh from the plot's data, axes and legend entries,
// so the plot on screen is never changed and the window's layout (its title row, its legend above
// the axes) does not carry over. Works headless (offscreen). False and `error` on failure.
bool exportFigure(QCustomPlot* plot, const QString& path, FigureFormat format, const FigureOptions& options,
                  QString* error = nullptr, FigureReport* report = nullptr);
// Same, format from the extension.
bool exportFigure(QCustomPlot* plot, const QString& path, const FigureOptions& options, QString* error = nullptr,
                  FigureReport* report = nullptr);
// Several plots side by side in one figure, as panels (a), (b), ... (for instance the histogram,
// ROC and precision-recall curves of one method). Format from the extension.
bool exportPanels(const std::vector<QCustomPlot*>& plots, const QString& path, const FigureOptions& options,
                  QString* error = nullptr, FigureReport* report = nullptr);

} // namespace oodlens::ui
