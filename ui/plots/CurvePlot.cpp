// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/CurvePlot.h"

#include "metrics/CurveDecimation.h"
#include "plots/PlotDecor.h"

#include <algorithm>
#include <cmath>

namespace oodlens::ui {

CurvePlot::CurvePlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumSize(220, 150);
    title_ = addTitleAndLegendRows(this, 10);
    legend->setWrap(2);
    QFont legendFont = font();
    legendFont.setPointSizeF(std::max(6.0, legendFont.pointSizeF() - 1));
    legend->setFont(legendFont);
    legend->setRowSpacing(0);
    for (QCPAxis* axis : {xAxis, yAxis}) {
        axis->setRange(-0.01, 1.01);
        axis->ticker()->setTickCount(5);
    }

    addLayer(QStringLiteral("operatingPoints"), layer(QStringLiteral("main")), QCustomPlot::limAbove);
    pointLayer_ = layer(QStringLiteral("operatingPoints"));
    pointLayer_->setMode(QCPLayer::lmBuffered);

    placeholder_ = addPlaceholderText(this);
    note_ = addCornerNote(this, Qt::AlignBottom);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1.5));
    note_->setFont(small);
    note_->setVisible(false);
}

QString CurvePlot::title() const
{
    return title_->text();
}

bool CurvePlot::isDecimated() const
{
    for (std::size_t i = 0; i < curves_.size(); ++i)
        if (std::size_t(curves_[i]->data()->size()) < totals_[i])
            return true;
    return false;
}

QString CurvePlot::note() const
{
    return note_->visible() ? note_->text() : QString();
}

void CurvePlot::removeCurves()
{
    for (QCPItemTracer* tracer : tracers_)
        removeItem(tracer);
    tracers_.clear();
    if (moreEntries_)
        legend->removeItem(moreEntries_);
    moreEntries_ = nullptr;
    setToolTip(QString());
    for (QCPCurve* curve : curves_)
        removePlottable(curve);
    curves_.clear();
    totals_.clear();
}

void CurvePlot::clearAll(const QString& title, const QString& message)
{
    removeCurves();
    title_->setText(title);
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    note_->setVisible(false);
    replot();
}

void CurvePlot::setCurves(const QString& title, const std::vector<CurveSeries>& series, const QString& emptyMessage)
{
    removeCurves();
    placeholder_->setVisible(series.empty());
    placeholder_->setText(emptyMessage);
    std::size_t largest = 0;
    for (const CurveSeries& s : series) {
        // A curve, not a graph: these curves have vertical runs, which a graph would reorder.
        auto* curve = new QCPCurve(xAxis, yAxis);
        curve->setPen(QPen(s.color, 2.0, s.style));
        const DrawnCurve drawn = decimateCurve(s.x, s.y, kMaxDrawnPoints);
        const QVector<double> dx(drawn.x.begin(), drawn.x.end()), dy(drawn.y.begin(), drawn.y.end());
        QVector<double> t(drawn.x.size());
        for (int i = 0; i < t.size(); ++i)
            t[i] = i;
        curve->setData(t, dx, dy, true);
        curve->setName(s.name);
        setFigureLegendEntry(curve);
        if (s.marker) {
            curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ScatterShape(s.marker), s.color, Qt::white, 6));
            curve->setScatterSkip(std::max(0, int(drawn.x.size()) / 8 - 1));
        }
        curves_.push_back(curve);
        totals_.push_back(drawn.total);
        largest = std::max(largest, drawn.total);

        auto* tracer = new QCPItemTracer(this);
        tracer->setLayer(pointLayer_);
        tracer->setStyle(QCPItemTracer::tsCircle);
        tracer->setSize(10);
        tracer->setPen(QPen(s.color.darker(130), 2.0));
        tracer->setBrush(Qt::white);
        tracer->position->setType(QCPItemPosition::ptPlotCoords);
        tracer->setVisible(false);
        tracers_.push_back(tracer);
    }
    updateLegendEntries();
    const bool decimated = isDecimated();
    note_->setText(tr("drawn: \u2264 %1 of %2 points\n(metrics use all)").arg(kMaxDrawnPoints).arg(largest));
    note_->setVisible(decimated);
    title_->setText(title);
    replot();
}

int CurvePlot::legendEntryLimit() const
{
    // Two entries a row; a row for every 60 pixels above the first 150, up to kMaxLegendEntries.
    return 2 * std::clamp((height() - 150) / 60, 1, kMaxLegendEntries / 2);
}

void CurvePlot::updateLegendEntries()
{
    // A long legend would squeeze the axes to nothing: the first entries, then "+N more".
    if (moreEntries_)
        legend->removeItem(moreEntries_);
    moreEntries_ = nullptr;
    const int n = int(curves_.size()), limit = legendLimit_ = legendEntryLimit();
    const int shown = n > limit ? limit - 1 : n;
    QStringList names;
    for (int i = 0; i < n; ++i) {
        names << curves_[std::size_t(i)]->name();
        curves_[std::size_t(i)]->removeFromLegend();
    }
    for (int i = 0; i < shown; ++i)
        curves_[std::size_t(i)]->addToLegend();
    if (shown < n) {
        moreEntries_ = new TextLegendItem(legend, moreEntriesText(n - shown));
        legend->addItem(moreEntries_);
    }
    setToolTip(shown < n ? names.join(QLatin1Char('\n')) : QString());
}

void CurvePlot::resizeEvent(QResizeEvent* event)
{
    QCustomPlot::resizeEvent(event);
    if (legendEntryLimit() != legendLimit_ && int(curves_.size()) > std::min(legendLimit_, legendEntryLimit())) {
        updateLegendEntries();
        replot(rpQueuedReplot);
    }
}

void CurvePlot::setOperatingPoints(const std::vector<QPointF>& points)
{
    for (std::size_t i = 0; i < tracers_.size(); ++i) {
        const bool show = i < points.size() && std::isfinite(points[i].x()) && std::isfinite(points[i].y());
        tracers_[i]->setVisible(show);
        if (show)
            tracers_[i]->position->setCoords(points[i]);
    }
}

void CurvePlot::replotOperatingPoints()
{
    // A buffered layer repaints alone, without redrawing the curves below it.
    pointLayer_->replot();
}

} // namespace oodlens::ui
