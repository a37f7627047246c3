// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/FigureExport.h"

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFontComboBox;
class QSpinBox;

namespace oodlens::ui {

// Asks which plot to export and how: the printed size (one column 8.5 cm, two columns 17.5 cm, a
// row of panels 17.5 x 6 cm, or custom in centimetres or inches), the PNG resolution, the font
// family and size, where the legend goes, square ROC / PR plot areas, and whether the window's
// titles and notes come along (not by default: a paper has its own caption).
class FigureExportDialog : public QDialog {
    Q_OBJECT

public:
    enum Preset { OneColumn, TwoColumns, PanelRow, Custom };

    // `panelsIndex`: the entry of `plots` that is several panels side by side (-1: none); picking
    // it turns a one-column size into a row of panels.
    FigureExportDialog(const QStringList& plots, int currentPlot, QWidget* parent = nullptr, int panelsIndex = -1);

    int plotIndex() const;
    int preset() const;
    FigureOptions options() const;
    // Shows earlier choices (Settings::figureExport): the size, font, legend and switches.
    void setChoices(int preset, const FigureOptions& options);

    // For tests.
    QComboBox* plotCombo() const { return plot_; }
    QComboBox* legendCombo() const { return legend_; }
    QFontComboBox* fontCombo() const { return font_; }
    QCheckBox* titlesCheck() const { return titles_; }

private:
    void applyPreset();

    QComboBox* plot_;
    QComboBox* preset_;
    QComboBox* unit_;
    QDoubleSpinBox* width_;
    QDoubleSpinBox* height_;
    QSpinBox* dpi_;
    QFontComboBox* font_;
    QDoubleSpinBox* points_;
    QComboBox* legend_;
    QCheckBox* square_;
    QCheckBox* titles_;
    QCheckBox* notes_;
    QCheckBox* letters_;
    int panelsIndex_ = -1;
};

} // namespace oodlens::ui
