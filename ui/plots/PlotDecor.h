// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <qcustomplot.h>

namespace oodlens::ui {

// The decorations every score plot shares, so histogram and curve views look and behave alike.

// What a decoration is for, so that a figure export can leave out what belongs to the window
// (titles, notes, placeholders, the marks of picking and selecting) and keep what belongs to the data.
enum class PlotRole { Data, Title, Note, Placeholder, Interaction };
void setPlotRole(QObject* element, PlotRole role);
PlotRole plotRoleOf(const QObject* element);

// Marks a plottable as an entry of exported figures' legends even where the window's legend
// leaves it out (a long legend shortened to "+N more"). A plottable in its plot's legend is one too.
void setFigureLegendEntry(QCPAbstractPlottable* plottable);
bool isFigureLegendEntry(QCPAbstractPlottable* plottable);

// A bold title row and a legend row above the axis rect (so they never hide data); returns the title.
QCPTextElement* addTitleAndLegendRows(QCustomPlot* plot, double titlePointSize);
// Grey text centred in the axis rect, shown while there is nothing to plot.
QCPItemText* addPlaceholderText(QCustomPlot* plot);
// A small note on a translucent box in the top-right or bottom-right corner of the axis rect
// (`corner` is Qt::AlignTop or Qt::AlignBottom).
QCPItemText* addCornerNote(QCustomPlot* plot, Qt::Alignment corner);

// A legend entry that is only text, such as "+5 more" after the entries that fit.
class TextLegendItem : public QCPAbstractLegendItem {
    Q_OBJECT

public:
    TextLegendItem(QCPLegend* legend, const QString& text);
    QString text() const { return text_; }

protected:
    void draw(QCPPainter* painter) override;
    QSize minimumOuterSizeHint() const override;

private:
    QString text_;
};
// The text of the entry that stands for `omitted` left-out entries: "+5 more".
QString moreEntriesText(int omitted);

} // namespace oodlens::ui
