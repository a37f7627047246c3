// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/PlotFit.h"

#include <QFontMetrics>
#include <qcustomplot.h>

#include <algorithm>

namespace oodlens::ui {

namespace {

constexpr char kMutedProperty[] = "oodlensMuted";

} // namespace

QString wrapToWidth(const QString& text, const QFontMetrics& metrics, int width, int maxLines)
{
    if (width <= 0 || metrics.horizontalAdvance(text) <= width)
        return text;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QStringList lines;
    QString line;
    for (int i = 0; i < words.size(); ++i) {
        const QString candidate = line.isEmpty() ? words[i] : line + QLatin1Char(' ') + words[i];
        if (line.isEmpty() || metrics.horizontalAdvance(candidate) <= width) {
            line = candidate;
            continue;
        }
        lines << line;
        if (lines.size() == maxLines - 1) {
            // The last line takes the rest (elided below).
            line = words.mid(i).join(QLatin1Char(' '));
            break;
        }
        line = words[i];
    }
    lines << line;
    for (QString& l : lines)
        l = metrics.elidedText(l, Qt::ElideRight, width);
    return lines.join(QLatin1Char('\n'));
}

PlotFit::PlotFit(QCustomPlot* plot, QCPTextElement* title, bool fitLegend)
    : QObject(plot), plot_(plot), title_(title), fitLegend_(fitLegend)
{
    connect(plot, &QCustomPlot::beforeReplot, this, &PlotFit::fitTitleAndLegend);
    connect(plot, &QCustomPlot::afterLayout, this, &PlotFit::fitAxisLabels);
}

void PlotFit::setShortLabel(QCPAxis* axis, const QString& shortLabel)
{
    labels_[axis].shortText = shortLabel;
}

void PlotFit::setPlaceholder(QCPItemText* placeholder)
{
    placeholder_ = placeholder;
}

QString PlotFit::fullTitle() const
{
    if (!title_)
        return {};
    // A text set since the last fit is the new full title.
    return title_->text() == fittedTitle_ ? fullTitle_ : title_->text();
}

QString PlotFit::fullLabel(QCPAxis* axis) const
{
    const auto it = labels_.find(axis);
    return it != labels_.end() && axis->label() == it->second.fitted ? it->second.full : axis->label();
}

void PlotFit::fitTitleAndLegend()
{
    const int width = plot_->viewport().width();
    if (title_) {
        fullTitle_ = fullTitle();
        const QMargins m = title_->margins();
        fittedTitle_ = wrapToWidth(fullTitle_, QFontMetrics(title_->font()), width - m.left() - m.right() - 4, 2);
        title_->setText(fittedTitle_);
    }
    // As many legend columns as the widest entry allows.
    QCPLegend* legend = plot_->legend;
    if (!fitLegend_ || !legend || !legend->visible() || legend->itemCount() == 0)
        return;
    int widest = 0;
    // itemCount() counts the grid's cells, and a wrapped grid can have empty ones.
    for (int i = 0; i < legend->itemCount(); ++i)
        if (const QCPAbstractLegendItem* item = legend->item(i))
            widest = std::max(widest, item->minimumOuterSizeHint().width());
    if (widest == 0)
        return;
    // The legend sits in a row with side margins (PlotDecor) inside the viewport.
    const int available = width - 12 - legend->margins().left() - legend->margins().right();
    const int columns =
        std::clamp((available + legend->columnSpacing()) / std::max(1, widest + legend->columnSpacing()), 1,
                   legend->itemCount());
    if (legend->wrap() != columns) {
        legend->setWrap(columns);
        legend->setFillOrder(legend->fillOrder(), true);
    }
}

void PlotFit::fitAxisLabels()
{
    if (placeholder_) {
        if (placeholder_->text() != fittedPlaceholder_)
            fullPlaceholder_ = placeholder_->text();
        fittedPlaceholder_ = wrapToWidth(fullPlaceholder_, QFontMetrics(placeholder_->font()),
                                         plot_->axisRect()->width() - 16, 6); // the plot holds nothing else then
        placeholder_->setText(fittedPlaceholder_);
    }
    for (auto& [axis, label] : labels_) {
        label.full = fullLabel(axis);
        const bool vertical = axis->orientation() == Qt::Vertical;
        const int length = vertical ? axis->axisRect()->height() : axis->axisRect()->width();
        const QString text = fittedLabel(label.full, label.shortText, QFontMetrics(axis->labelFont()), length);
        label.fitted = text;
        if (axis->label() != text)
            axis->setLabel(text);
    }
}

QString PlotFit::shortLabel(QCPAxis* axis) const
{
    const auto it = labels_.find(axis);
    return it != labels_.end() ? it->second.shortText : QString();
}

QString PlotFit::fittedLabel(const QString& full, const QString& shortText, const QFontMetrics& metrics, int length)
{
    QString text = full;
    for (const QString& fallback : {shortText, shortText.section(QStringLiteral(" ("), 0, 0)})
        if (metrics.horizontalAdvance(text) > length && !fallback.isEmpty())
            text = fallback;
    return metrics.elidedText(text, Qt::ElideRight, std::max(0, length));
}

void PlotFit::setMuted(QCustomPlot* plot, bool muted)
{
    if (plot->property(kMutedProperty).toBool() == muted)
        return;
    plot->setProperty(kMutedProperty, muted);
    const QColor ink = muted ? QColor(0xB8, 0xB8, 0xB8) : QColor(Qt::black);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        QPen pen = axis->basePen();
        pen.setColor(ink);
        axis->setBasePen(pen);
        pen = axis->tickPen();
        pen.setColor(ink);
        axis->setTickPen(pen);
        pen = axis->subTickPen();
        pen.setColor(ink);
        axis->setSubTickPen(pen);
        axis->setTickLabelColor(ink);
        axis->setLabelColor(muted ? QColor(0x90, 0x90, 0x90) : QColor(Qt::black));
        axis->setTickLabels(!muted);
    }
}

} // namespace oodlens::ui
