// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QObject>
#include <QString>

#include <map>

class QCustomPlot;
class QCPAxis;
class QFontMetrics;
class QCPItemText;
class QCPTextElement;

namespace oodlens::ui {

// Keeps a plot's title, legend and axis labels inside the plot at whatever size it is drawn (a
// dock in a 1024 x 700 window, a paper column): before each replot the title wraps onto a second
// line, then elides, to the viewport's width, and the legend takes as many columns as fit; after
// the layout, an axis label longer than its axis is replaced by its short form (setShortLabel),
// then elided. The texts the views set stay what title() / label() report (fullTitle()).
class PlotFit : public QObject {
    Q_OBJECT

public:
    // `title` may be null; `fitLegend` false leaves the legend's columns alone (an inset legend).
    PlotFit(QCustomPlot* plot, QCPTextElement* title, bool fitLegend = true);

    // The text shown when `axis`' label does not fit its length ("TPR" for "TPR: fraction of ID accepted").
    void setShortLabel(QCPAxis* axis, const QString& shortLabel);
    // Centred text in the axes (PlotDecor's placeholder), wrapped to their width.
    void setPlaceholder(QCPItemText* placeholder);
    // The title as the view set it, before wrapping.
    QString fullTitle() const;
    // The label of `axis` as the view set it, before shortening.
    QString fullLabel(QCPAxis* axis) const;
    // The short form set for `axis`, empty when none.
    QString shortLabel(QCPAxis* axis) const;
    // The one rule for an axis label `length` pixels long: the full label, else the short one,
    // else the short one's first part ("TPR" of "TPR (ID accepted)"), and only then elided. Used
    // by the window's plots and by exported figures.
    static QString fittedLabel(const QString& full, const QString& shortText, const QFontMetrics& metrics, int length);

    // Greys the axes and hides the tick labels while the plot has nothing to show (the placeholder
    // text says why), and restores them with data.
    static void setMuted(QCustomPlot* plot, bool muted);

private:
    void fitTitleAndLegend();
    void fitAxisLabels();

    QCustomPlot* plot_;
    QCPTextElement* title_;
    bool fitLegend_;
    QString fullTitle_, fittedTitle_;
    QCPItemText* placeholder_ = nullptr;
    QString fullPlaceholder_, fittedPlaceholder_;
    struct Label {
        QString full, shortText, fitted;
    };
    std::map<QCPAxis*, Label> labels_;
};

// `text` broken at spaces into at most `maxLines` lines no wider than `width` pixels in `metrics`,
// the last one elided when the text still does not fit.
QString wrapToWidth(const QString& text, const QFontMetrics& metrics, int width, int maxLines);

} // namespace oodlens::ui
