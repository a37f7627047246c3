// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/FigureExportDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>

namespace oodlens::ui {

FigureExportDialog::FigureExportDialog(const QStringList& plots, int currentPlot, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Export figure"));
    plot_ = new QComboBox(this);
    plot_->addItems(plots);
    plot_->setCurrentIndex(std::max(0, currentPlot));
    preset_ = new QComboBox(this);
    preset_->addItem(tr("One column (8.5 cm \u00d7 6 cm)"));
    preset_->addItem(tr("Two columns (17.5 cm \u00d7 8 cm)"));
    preset_->addItem(tr("Custom"));
    unit_ = new QComboBox(this);
    unit_->addItem(tr("cm"));
    unit_->addItem(tr("inches"));
    width_ = new QDoubleSpinBox(this);
    height_ = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* box : {width_, height_}) {
        box->setDecimals(2);
        box->setRange(1, 100);
        box->setSingleStep(0.5);
    }
    dpi_ = new QSpinBox(this);
    dpi_->setRange(72, 1200);
    dpi_->setValue(300);
    dpi_->setSuffix(tr(" dpi"));
    dpi_->setToolTip(tr("PNG only: PDF and SVG are vector graphics"));

    auto* form = new QFormLayout(this);
    form->addRow(tr("Plot:"), plot_);
    form->addRow(tr("Size:"), preset_);
    form->addRow(tr("Unit:"), unit_);
    form->addRow(tr("Width:"), width_);
    form->addRow(tr("Height:"), height_);
    form->addRow(tr("PNG resolution:"), dpi_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this, &FigureExportDialog::applyPreset);
    connect(unit_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int unit) {
        const double f = unit == 1 ? 1 / 2.54 : 2.54;
        width_->setValue(width_->value() * f);
        height_->setValue(height_->value() * f);
    });
    for (QDoubleSpinBox* box : {width_, height_})
        connect(box, &QDoubleSpinBox::editingFinished, this, [this]() { preset_->setCurrentIndex(2); });
    applyPreset();
}

void FigureExportDialog::applyPreset()
{
    if (preset_->currentIndex() == 2)
        return;
    const FigureSize size = preset_->currentIndex() == 0 ? FigureSize::oneColumn() : FigureSize::twoColumn();
    const double f = unit_->currentIndex() == 1 ? 1 / 2.54 : 1.0;
    width_->setValue(size.width * f);
    height_->setValue(size.height * f);
}

int FigureExportDialog::plotIndex() const
{
    return plot_->currentIndex();
}

FigureOptions FigureExportDialog::options() const
{
    FigureOptions o;
    o.size.width = width_->value();
    o.size.height = height_->value();
    o.size.unit = unit_->currentIndex() == 1 ? FigureSize::Unit::Inch : FigureSize::Unit::Cm;
    o.dpi = dpi_->value();
    return o;
}

} // namespace oodlens::ui
