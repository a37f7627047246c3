// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QString>

class QCustomPlot;

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
};

struct FigureOptions {
    FigureSize size = FigureSize::oneColumn();
    int dpi = 300;         // PNG only; PDF and SVG are vector
    double fontPoints = 0; // base font size; 0 picks 8 pt (one column) to 9 pt (wider)
};

// The format of a file name's extension (.pdf, .svg, .png); false when none of these.
bool figureFormatFromPath(const QString& path, FigureFormat* format);

// Writes `plot` at the printed size of `options` as PDF (vector, text kept as text), SVG (vector)
// or PNG (round(width in inches x dpi) pixels wide, the DPI recorded in the file). Fonts are set
// for that size while exporting (so they read as 8-9 pt on paper) and restored afterwards; the
// plot on screen is unchanged. Works headless (offscreen platform). False and `error` on failure.
bool exportFigure(QCustomPlot* plot, const QString& path, FigureFormat format, const FigureOptions& options,
                  QString* error = nullptr);
// Same, format from the extension.
bool exportFigure(QCustomPlot* plot, const QString& path, const FigureOptions& options, QString* error = nullptr);

} // namespace oodlens::ui
