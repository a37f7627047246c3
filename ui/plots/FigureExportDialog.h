// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/FigureExport.h"

#include <QDialog>
#include <QStringList>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace oodlens::ui {

// Asks which plot to export and at what printed size: one column (8.5 cm), two columns
// (17.5 cm) or a custom size in centimetres or inches, and the PNG resolution.
class FigureExportDialog : public QDialog {
    Q_OBJECT

public:
    FigureExportDialog(const QStringList& plots, int currentPlot, QWidget* parent = nullptr);

    int plotIndex() const;
    FigureOptions options() const;

private:
    void applyPreset();

    QComboBox* plot_;
    QComboBox* preset_;
    QComboBox* unit_;
    QDoubleSpinBox* width_;
    QDoubleSpinBox* height_;
    QSpinBox* dpi_;
};

} // namespace oodlens::ui
