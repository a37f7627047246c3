// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/PlotDecor.h"

namespace oodlens::ui {

QCPTextElement* addTitleAndLegendRows(QCustomPlot* plot, double titlePointSize)
{
    plot->plotLayout()->insertRow(0);
    QFont font(plot->font().family());
    font.setPointSizeF(titlePointSize);
    font.setBold(true);
    auto* title = new QCPTextElement(plot, QString(), font);
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
    note->position->setType(QCPItemPosition::ptAxisRectRatio);
    note->position->setCoords(0.99, top ? 0.02 : 0.99);
    note->setPositionAlignment(Qt::AlignRight | (top ? Qt::AlignTop : Qt::AlignBottom));
    note->setColor(QColor(0x60, 0x60, 0x60));
    note->setBrush(QBrush(QColor(255, 255, 255, 210)));
    note->setPadding(QMargins(4, 2, 4, 2));
    return note;
}

} // namespace oodlens::ui
