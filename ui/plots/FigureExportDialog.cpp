// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/FigureExportDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFontComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QSpinBox>

namespace oodlens::ui {

namespace {

QString legendLabel(LegendPlacement p)
{
    switch (p) {
    case LegendPlacement::Auto: return FigureExportDialog::tr("Automatic (an empty corner, beside when long)");
    case LegendPlacement::TopRight: return FigureExportDialog::tr("Top right, inside");
    case LegendPlacement::TopLeft: return FigureExportDialog::tr("Top left, inside");
    case LegendPlacement::BottomRight: return FigureExportDialog::tr("Bottom right, inside");
    case LegendPlacement::BottomLeft: return FigureExportDialog::tr("Bottom left, inside");
    case LegendPlacement::Outside: return FigureExportDialog::tr("Beside the plot (right)");
    case LegendPlacement::Above: return FigureExportDialog::tr("Above the plot");
    case LegendPlacement::None: return FigureExportDialog::tr("None");
    }
    return {};
}

} // namespace

FigureExportDialog::FigureExportDialog(const QStringList& plots, int currentPlot, QWidget* parent, int panelsIndex)
    : QDialog(parent), panelsIndex_(panelsIndex)
{
    setWindowTitle(tr("Export figure"));
    plot_ = new QComboBox(this);
    plot_->addItems(plots);
    plot_->setCurrentIndex(std::max(0, currentPlot));
    preset_ = new QComboBox(this);
    preset_->addItem(tr("One column (8.5 cm \u00d7 6 cm)"));
    preset_->addItem(tr("Two columns (17.5 cm \u00d7 8 cm)"));
    preset_->addItem(tr("Row of panels (17.5 cm \u00d7 6 cm)"));
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

    font_ = new QFontComboBox(this);
    font_->setFontFilters(QFontComboBox::ScalableFonts);
    font_->setCurrentFont(QFont(defaultFigureFontFamily()));
    font_->setToolTip(tr("Embedded in PDF files and named in SVG files"));
    points_ = new QDoubleSpinBox(this);
    points_->setRange(0, 24);
    points_->setDecimals(1);
    points_->setSingleStep(0.5);
    points_->setSuffix(tr(" pt"));
    points_->setSpecialValueText(tr("auto"));
    points_->setToolTip(tr("Base font size; auto is 8 pt for one column, 9 pt for wider figures"));
    auto* fontRow = new QHBoxLayout;
    fontRow->addWidget(font_, 1);
    fontRow->addWidget(points_);

    legend_ = new QComboBox(this);
    for (const LegendPlacementName& n : legendPlacements())
        legend_->addItem(legendLabel(n.placement), static_cast<int>(n.placement));
    square_ = new QCheckBox(tr("Square ROC and precision-recall plots"), this);
    square_->setChecked(true);
    titles_ = new QCheckBox(tr("Plot titles of the window"), this);
    titles_->setToolTip(tr("Papers put the title in the caption: off by default"));
    notes_ = new QCheckBox(tr("Notes (points drawn, scores not drawn)"), this);
    letters_ = new QCheckBox(tr("Panel letters (a), (b), (c)"), this);
    letters_->setChecked(true);

    auto* form = new QFormLayout(this);
    form->addRow(tr("Plot:"), plot_);
    form->addRow(tr("Size:"), preset_);
    form->addRow(tr("Unit:"), unit_);
    form->addRow(tr("Width:"), width_);
    form->addRow(tr("Height:"), height_);
    form->addRow(tr("PNG resolution:"), dpi_);
    form->addRow(tr("Font:"), fontRow);
    form->addRow(tr("Legend:"), legend_);
    form->addRow(QString(), square_);
    form->addRow(tr("Include:"), titles_);
    form->addRow(QString(), notes_);
    form->addRow(QString(), letters_);
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
        connect(box, &QDoubleSpinBox::editingFinished, this, [this]() { preset_->setCurrentIndex(Custom); });
    // Panels side by side need the width of the page.
    connect(plot_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index == panelsIndex_ && preset_->currentIndex() == OneColumn)
            preset_->setCurrentIndex(PanelRow);
    });
    applyPreset();
}

void FigureExportDialog::applyPreset()
{
    if (preset_->currentIndex() == Custom)
        return;
    const FigureSize size = preset_->currentIndex() == OneColumn    ? FigureSize::oneColumn()
                            : preset_->currentIndex() == TwoColumns ? FigureSize::twoColumn()
                                                                    : FigureSize::panelRow();
    const double f = unit_->currentIndex() == 1 ? 1 / 2.54 : 1.0;
    width_->setValue(size.width * f);
    height_->setValue(size.height * f);
}

void FigureExportDialog::setChoices(int preset, const FigureOptions& o)
{
    unit_->setCurrentIndex(o.size.unit == FigureSize::Unit::Inch ? 1 : 0);
    preset_->setCurrentIndex(std::clamp(preset, 0, int(Custom)));
    width_->setValue(o.size.width);
    height_->setValue(o.size.height);
    dpi_->setValue(o.dpi);
    font_->setCurrentFont(QFont(o.fontFamily.isEmpty() ? defaultFigureFontFamily() : o.fontFamily));
    points_->setValue(o.fontPoints);
    legend_->setCurrentIndex(std::max(0, legend_->findData(static_cast<int>(o.legend))));
    square_->setChecked(o.squareCurves);
    titles_->setChecked(o.titles);
    notes_->setChecked(o.notes);
    letters_->setChecked(o.panelLetters);
}

int FigureExportDialog::plotIndex() const
{
    return plot_->currentIndex();
}

int FigureExportDialog::preset() const
{
    return preset_->currentIndex();
}

FigureOptions FigureExportDialog::options() const
{
    FigureOptions o;
    o.size.width = width_->value();
    o.size.height = height_->value();
    o.size.unit = unit_->currentIndex() == 1 ? FigureSize::Unit::Inch : FigureSize::Unit::Cm;
    o.dpi = dpi_->value();
    o.fontFamily = font_->currentFont().family();
    o.fontPoints = points_->value();
    o.legend = static_cast<LegendPlacement>(legend_->currentData().toInt());
    o.squareCurves = square_->isChecked();
    o.titles = titles_->isChecked();
    o.notes = notes_->isChecked();
    o.panelLetters = letters_->isChecked();
    return o;
}

} // namespace oodlens::ui
