// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/PlotDecor.h"

namespace oodlens::ui {

namespace {
constexpr char kRoleProperty[] = "oodlensPlotRole";
constexpr char kLegendProperty[] = "oodlensFigureLegend";
} // namespace

void setPlotRole(QObject* element, PlotRole role)
{
    element->setProperty(kRoleProperty, static_cast<int>(role));
}

PlotRole plotRoleOf(const QObject* element)
{
    const QVariant v = element->property(kRoleProperty);
    return v.isValid() ? static_cast<PlotRole>(v.toInt()) : PlotRole::Data;
}

void setFigureLegendEntry(QCPAbstractPlottable* plottable)
{
    plottable->setProperty(kLegendProperty, true);
}

bool isFigureLegendEntry(QCPAbstractPlottable* plottable)
{
    if (plottable->property(kLegendProperty).toBool())
        return true;
    QCustomPlot* plot = plottable->parentPlot();
    return plot && plot->legend && plot->legend->hasItemWithPlottable(plottable);
}

QCPTextElement* addTitleAndLegendRows(QCustomPlot* plot, double titlePointSize)
{
    plot->plotLayout()->insertRow(0);
    QFont font(plot->font().family());
    font.setPointSizeF(titlePointSize);
    font.setBold(true);
    auto* title = new QCPTextElement(plot, QString(), font);
    setPlotRole(title, PlotRole::Title);
    plot->plotLayout()->addElement(0, 0, title);
    plot->plotLayout()->insertRow(1);
    auto* legendRow = new QCPLayoutGrid;
    plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(6, 0, 6, 0));
    legendRow->addElement(0, 0, plot->legend);
    // An empty legend (before the first run) has a tiny maximum width, which would cap the whole
    // column and squeeze the axes: a spacer beside it takes the rest.
    legendRow->addElement(0, 1, new QCPLayoutElement(plot));
    legendRow->setColumnStretchFactor(1, 0.001);
    plot->legend->setVisible(true);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    return title;
}

QCPItemText* addPlaceholderText(QCustomPlot* plot)
{
    auto* text = new QCPItemText(plot);
    setPlotRole(text, PlotRole::Placeholder);
    text->position->setType(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(0.5, 0.5);
    text->setColor(QColor(0x6E, 0x6E, 0x6E));
    QFont font = plot->font();
    font.setPointSizeF(font.pointSizeF() + 0.5);
    text->setFont(font);
    return text;
}

QCPItemText* addCornerNote(QCustomPlot* plot, Qt::Alignment corner)
{
    const bool top = corner & Qt::AlignTop;
    auto* note = new QCPItemText(plot);
    setPlotRole(note, PlotRole::Note);
    note->position->setType(QCPItemPosition::ptAxisRectRatio);
    note->position->setCoords(0.99, top ? 0.02 : 0.99);
    note->setPositionAlignment(Qt::AlignRight | (top ? Qt::AlignTop : Qt::AlignBottom));
    note->setColor(QColor(0x60, 0x60, 0x60));
    note->setBrush(QBrush(QColor(255, 255, 255, 210)));
    note->setPadding(QMargins(4, 2, 4, 2));
    return note;
}

TextLegendItem::TextLegendItem(QCPLegend* legend, const QString& text) : QCPAbstractLegendItem(legend), text_(text)
{
    setSelectable(false);
}

void TextLegendItem::draw(QCPPainter* painter)
{
    painter->setFont(mFont);
    painter->setPen(QPen(mTextColor));
    painter->drawText(mRect, Qt::AlignLeft | Qt::AlignVCenter, text_);
}

QSize TextLegendItem::minimumOuterSizeHint() const
{
    const QFontMetrics metrics(mFont);
    const QSize text = metrics.size(Qt::TextSingleLine, text_);
    return text + QSize(mMargins.left() + mMargins.right(), mMargins.top() + mMargins.bottom());
}

QString moreEntriesText(int omitted)
{
    return QCustomPlot::tr("+%1 more").arg(omitted);
}

} // namespace oodlens::ui
