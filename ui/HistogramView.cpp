// SPDX-License-Identifier: GPL-3.0-or-later
#include "HistogramView.h"

#include <algorithm>

namespace oodlens::ui {

namespace {

// Legend and title above the axis rect, so that they never hide a peak.
QCPTextElement* setUpTitleAndLegend(QCustomPlot* plot)
{
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, QString(), QFont(plot->font().family(), 11, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, title);
    plot->plotLayout()->insertRow(1);
    auto* legendRow = new QCPLayoutGrid;
    plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(6, 0, 6, 0));
    legendRow->addElement(0, 0, plot->legend);
    plot->legend->setVisible(true);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    return title;
}

QString pluralScores(std::size_t n, const char* what)
{
    return HistogramView::tr("%1 %2").arg(n).arg(QLatin1String(what));
}

} // namespace

HistogramView::HistogramView(QWidget* parent) : QCustomPlot(parent)
{
    setObjectName(QStringLiteral("histogramPlot"));
    setMinimumSize(320, 240);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    title_ = setUpTitleAndLegend(this);
    yAxis->setNumberFormat(QStringLiteral("f"));
    yAxis->setNumberPrecision(0);

    placeholder_ = new QCPItemText(this);
    placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
    placeholder_->position->setCoords(0.5, 0.5);
    placeholder_->setColor(Qt::gray);

    note_ = new QCPItemText(this);
    note_->position->setType(QCPItemPosition::ptAxisRectRatio);
    note_->position->setCoords(0.99, 0.02);
    note_->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    note_->setColor(QColor(0x60, 0x60, 0x60));
    note_->setBrush(QBrush(QColor(255, 255, 255, 210)));
    note_->setPadding(QMargins(4, 2, 4, 2));

    clearScores(tr("Run the analysis to see the score histograms"));
}

void HistogramView::clearScores(const QString& message)
{
    clearGraphs();
    histogram_ = SharedHistogram();
    title_->setText(tr("Score histogram"));
    xAxis->setLabel(tr("score (higher = more ID)"));
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    note_->setVisible(false);
    xAxis->setRange(0, 1);
    maxCount_ = 0;
    applyCountAxis();
    replot();
}

void HistogramView::setLogCounts(bool log)
{
    if (log == logCounts_)
        return;
    logCounts_ = log;
    applyCountAxis();
    replot();
}

void HistogramView::applyCountAxis()
{
    if (logCounts_) {
        yAxis->setScaleType(QCPAxis::stLogarithmic);
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        yAxis->setRange(0.7, std::max<double>(10.0, double(maxCount_) * 2.0));
        yAxis->setLabel(tr("images per bin (log scale)"));
    } else {
        yAxis->setScaleType(QCPAxis::stLinear);
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        yAxis->setRange(0, std::max<double>(1.0, double(maxCount_) * 1.08));
        yAxis->setLabel(tr("images per bin"));
    }
}

void HistogramView::showScores(const QString& scoreLabel, const std::vector<ScoreSeries>& series)
{
    std::vector<const std::vector<double>*> sets;
    for (const ScoreSeries& s : series)
        sets.push_back(&s.scores);
    const SharedHistogram h = computeSharedHistogram(sets);
    if (h.bins() == 0) {
        clearScores(tr("%1: no finite score to draw").arg(scoreLabel));
        histogram_ = h;
        return;
    }
    clearGraphs();
    histogram_ = h;
    placeholder_->setVisible(false);

    std::size_t maxCount = 0;
    QStringList notes;
    for (std::size_t s = 0; s < series.size(); ++s) {
        QCPGraph* graph = addGraph();
        QPen pen(series[s].color, 1.8);
        graph->setPen(pen);
        QColor fill = series[s].color;
        fill.setAlpha(55);
        graph->setBrush(fill);
        graph->setLineStyle(QCPGraph::lsStepLeft);

        // A closed step outline: up at the first edge, one step per bin, down at the last edge.
        // Equal keys keep their order because the data is handed over as already sorted.
        QVector<QCPGraphData> points;
        points.reserve(static_cast<int>(h.bins()) + 2);
        points.append(QCPGraphData(h.edges.front(), 0));
        for (std::size_t b = 0; b < h.bins(); ++b) {
            points.append(QCPGraphData(h.edges[b], double(h.counts[s][b])));
            maxCount = std::max(maxCount, h.counts[s][b]);
        }
        points.append(QCPGraphData(h.edges.back(), 0));
        graph->data()->set(points, true);

        QString name = tr("%1 (n = %2)").arg(series[s].name).arg(h.finite[s]);
        QStringList missing;
        if (h.nan[s] > 0)
            missing << pluralScores(h.nan[s], "NaN");
        if (h.posInf[s] > 0)
            missing << pluralScores(h.posInf[s], "+inf");
        if (h.negInf[s] > 0)
            missing << pluralScores(h.negInf[s], "-inf");
        if (!missing.isEmpty()) {
            name += QStringLiteral(" + ") + missing.join(QStringLiteral(", ")) + tr(" not drawn");
            notes << tr("%1: %2").arg(series[s].name, missing.join(QStringLiteral(", ")));
        }
        graph->setName(name);
    }

    title_->setText(tr("%1: score histogram, %2 shared bins").arg(scoreLabel).arg(h.bins()));
    xAxis->setLabel(tr("%1 score (higher = more ID)").arg(scoreLabel));
    note_->setText(notes.isEmpty() ? QString() : tr("not drawn (non-finite)\n") + notes.join(QLatin1Char('\n')));
    note_->setVisible(!notes.isEmpty());

    const double span = h.edges.back() - h.edges.front();
    xAxis->setRange(h.edges.front() - 0.02 * span, h.edges.back() + 0.02 * span);
    maxCount_ = maxCount;
    applyCountAxis();
    replot();
}

QString HistogramView::title() const
{
    return title_->text();
}

QString HistogramView::nonFiniteNote() const
{
    return note_->visible() ? note_->text() : QString();
}

} // namespace oodlens::ui
