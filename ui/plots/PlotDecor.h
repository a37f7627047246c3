// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <qcustomplot.h>

namespace oodlens::ui {

// The decorations every score plot shares, so histogram and curve views look and behave alike.

// A bold title row and a legend row above the axis rect (so they never hide data); returns the title.
QCPTextElement* addTitleAndLegendRows(QCustomPlot* plot, double titlePointSize);
// Grey text centred in the axis rect, shown while there is nothing to plot.
QCPItemText* addPlaceholderText(QCustomPlot* plot);
// A small note on a translucent box in the top-right or bottom-right corner of the axis rect
// (`corner` is Qt::AlignTop or Qt::AlignBottom).
QCPItemText* addCornerNote(QCustomPlot* plot, Qt::Alignment corner);

} // namespace oodlens::ui
