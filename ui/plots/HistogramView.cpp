// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/HistogramView.h"

#include "plots/PlotDecor.h"
#include "plots/PlotFit.h"

#include <QMouseEvent>

#include <algorithm>
#include <cmath>

namespace oodlens::ui {

namespace {

// How close (pixels) the mouse must come to the threshold line to grab it.
constexpr int kGrabDistance = 6;

QString pluralScores(std::size_t n, const char* what)
{
    return HistogramView::tr("%1 %2").arg(n).arg(QLatin1String(what));
}

} // namespace

HistogramView::HistogramView(QWidget* parent) : QCustomPlot(parent)
{
    setObjectName(QStringLiteral("histogramPlot"));
    setMinimumSize(280, 200);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Horizontal);
    axisRect()->setRangeZoom(Qt::Horizontal);
    title_ = addTitleAndLegendRows(this, 11);
    threshold_ = std::nan("");

    placeholder_ = addPlaceholderText(this);
    note_ = addCornerNote(this, Qt::AlignTop);
    // Title, legend and axis labels fit the plot at any size.
    fit_ = new PlotFit(this, title_);
    fit_->setPlaceholder(placeholder_);
    fit_->setShortLabel(xAxis, tr("score"));
    fit_->setShortLabel(yAxis, tr("count"));

    // The threshold lives on a buffered layer above everything: a move repaints that layer only.
    addLayer(QStringLiteral("threshold"), layer(QStringLiteral("legend")), QCustomPlot::limAbove);
    thresholdLayer_ = layer(QStringLiteral("threshold"));
    thresholdLayer_->setMode(QCPLayer::lmBuffered);
    thresholdLine_ = new QCPItemStraightLine(this);
    thresholdLine_->setLayer(thresholdLayer_);
    thresholdLine_->setPen(QPen(QColor(0x20, 0x20, 0x20), 1.6, Qt::DashLine));
    thresholdLine_->setSelectable(false);
    thresholdLine_->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
    thresholdLine_->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    thresholdLine_->point1->setCoords(0, 0);
    thresholdLine_->point2->setCoords(0, 1);
    thresholdLabel_ = new QCPItemText(this);
    thresholdLabel_->setLayer(thresholdLayer_);
    thresholdLabel_->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    thresholdLabel_->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    thresholdLabel_->setPadding(QMargins(3, 1, 3, 1));
    thresholdLabel_->setBrush(QBrush(QColor(255, 255, 255, 220)));
    thresholdLabel_->setColor(QColor(0x20, 0x20, 0x20));

    clearScores(tr("Run the analysis to see the score histograms"));
}

QString HistogramView::message() const
{
    return placeholder_->visible() ? message_ : QString();
}

void HistogramView::clearScores(const QString& message)
{
    clearGraphs();
    series_.clear();
    scoreLabel_.clear();
    histogram_ = SharedHistogram();
    title_->setText(tr("Score histogram"));
    xAxis->setLabel(tr("score (higher = more ID)"));
    message_ = message;
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    setToolTip(message); // the placeholder is wrapped (and cut) to the plot's width
    PlotFit::setMuted(this, true);
    note_->setVisible(false);
    thresholdLine_->setVisible(false);
    thresholdLabel_->setVisible(false);
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

void HistogramView::setDensity(bool density)
{
    if (density == density_)
        return;
    density_ = density;
    redraw();
}

void HistogramView::setBinCount(int bins)
{
    bins = std::max(0, bins);
    if (bins == bins_)
        return;
    bins_ = bins;
    redraw();
}

void HistogramView::redraw()
{
    if (!series_.empty()) {
        const std::vector<ScoreSeries> series = series_;
        showScores(scoreLabel_, series);
    } else {
        applyCountAxis();
        replot();
    }
}

void HistogramView::applyCountAxis()
{
    const QString what = density_ ? tr("density") : tr("images per bin");
    if (logCounts_) {
        yAxis->setScaleType(QCPAxis::stLogarithmic);
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        yAxis->setNumberFormat(QStringLiteral("eb"));
        yAxis->setNumberPrecision(0);
        // The smallest non-zero bar is one image: its density is 1 / (n w), far below the peak.
        const double low = density_ ? std::max(maxCount_ * 1e-5, 1e-12) : 0.7;
        yAxis->setRange(low, std::max<double>(density_ ? low * 10 : 10.0, maxCount_ * 2.0));
        yAxis->setLabel(tr("%1 (log scale)").arg(what));
    } else {
        yAxis->setScaleType(QCPAxis::stLinear);
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        yAxis->setNumberFormat(QStringLiteral("g"));
        yAxis->setNumberPrecision(density_ ? 3 : 6);
        yAxis->setRange(0, std::max<double>(density_ ? 1e-9 : 1.0, maxCount_ * 1.08));
        yAxis->setLabel(what);
    }
}

void HistogramView::showScores(const QString& scoreLabel, const std::vector<ScoreSeries>& series)
{
    std::vector<const std::vector<double>*> sets;
    for (const ScoreSeries& s : series)
        sets.push_back(&s.scores);
    const SharedHistogram h = computeSharedHistogram(sets, bins_);
    if (h.bins() == 0) {
        clearScores(tr("%1: no finite score to draw").arg(scoreLabel));
        histogram_ = h;
        return;
    }
    clearGraphs();
    if (&series != &series_)
        series_ = series;
    scoreLabel_ = scoreLabel;
    histogram_ = h;
    placeholder_->setVisible(false);
    setToolTip(QString());
    PlotFit::setMuted(this, false);

    double maxValue = 0;
    QStringList notes;
    const double width = (h.edges.back() - h.edges.front()) / double(h.bins());
    for (std::size_t s = 0; s < series.size(); ++s) {
        QCPGraph* graph = addGraph();
        QPen pen(series[s].color, 1.8);
        graph->setPen(pen);
        QColor fill = series[s].color;
        fill.setAlpha(55);
        graph->setBrush(fill);
        graph->setLineStyle(QCPGraph::lsStepLeft);

        // Density: each set integrates to 1 over its finite scores.
        const double scale = density_ && h.finite[s] > 0 ? 1.0 / (double(h.finite[s]) * width) : 1.0;
        // A closed step outline: up at the first edge, one step per bin, down at the last edge.
        // Equal keys keep their order because the data is handed over as already sorted.
        QVector<QCPGraphData> points;
        points.reserve(static_cast<int>(h.bins()) + 2);
        points.append(QCPGraphData(h.edges.front(), 0));
        for (std::size_t b = 0; b < h.bins(); ++b) {
            const double value = double(h.counts[s][b]) * scale;
            points.append(QCPGraphData(h.edges[b], value));
            maxValue = std::max(maxValue, value);
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
    fit_->setShortLabel(xAxis, tr("%1 score").arg(scoreLabel));
    note_->setText(notes.isEmpty() ? QString() : tr("not drawn (non-finite)\n") + notes.join(QLatin1Char('\n')));
    note_->setVisible(!notes.isEmpty());

    const double span = h.edges.back() - h.edges.front();
    xAxis->setRange(h.edges.front() - 0.02 * span, h.edges.back() + 0.02 * span);
    maxCount_ = maxValue;
    applyCountAxis();
    thresholdLine_->setVisible(std::isfinite(threshold_));
    thresholdLabel_->setVisible(std::isfinite(threshold_));
    replot();
}

void HistogramView::setThreshold(double threshold)
{
    threshold_ = threshold;
    const bool show = std::isfinite(threshold) && !series_.empty();
    thresholdLine_->setVisible(show);
    thresholdLabel_->setVisible(show);
    if (!std::isfinite(threshold))
        return;
    thresholdLine_->point1->setCoords(threshold, 0);
    thresholdLine_->point2->setCoords(threshold, 1);
    thresholdLabel_->position->setCoords(threshold, 0.0);
    thresholdLabel_->setText(tr("threshold %1").arg(threshold, 0, 'g', 5));
    // Keep the label inside the axes when the line is near the right edge.
    const bool rightHalf = threshold > xAxis->range().center();
    thresholdLabel_->setPositionAlignment((rightHalf ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
}

void HistogramView::replotThreshold()
{
    thresholdLayer_->replot();
}

bool HistogramView::nearThresholdLine(const QPoint& pos) const
{
    if (!thresholdLine_->visible() || !axisRect()->rect().contains(pos))
        return false;
    return std::abs(xAxis->coordToPixel(threshold_) - pos.x()) <= kGrabDistance;
}

void HistogramView::mousePressEvent(QMouseEvent* event)
{
    const QPoint pos = event->position().toPoint();
    const bool shiftClick = (event->modifiers() & Qt::ShiftModifier) && axisRect()->rect().contains(pos);
    if (event->button() == Qt::LeftButton && !series_.empty() && (nearThresholdLine(pos) || shiftClick)) {
        dragging_ = true;
        emit thresholdDragged(xAxis->pixelToCoord(pos.x()));
        event->accept();
        return;
    }
    QCustomPlot::mousePressEvent(event);
}

void HistogramView::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint pos = event->position().toPoint();
    if (dragging_) {
        emit thresholdDragged(xAxis->pixelToCoord(pos.x()));
        event->accept();
        return;
    }
    setCursor(nearThresholdLine(pos) ? Qt::SplitHCursor : Qt::ArrowCursor);
    QCustomPlot::mouseMoveEvent(event);
}

void HistogramView::mouseReleaseEvent(QMouseEvent* event)
{
    if (dragging_) {
        dragging_ = false;
        event->accept();
        return;
    }
    QCustomPlot::mouseReleaseEvent(event);
}

QString HistogramView::title() const
{
    return fit_->fullTitle();
}

QString HistogramView::nonFiniteNote() const
{
    return note_->visible() ? note_->text() : QString();
}

} // namespace oodlens::ui
