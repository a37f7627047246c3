// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/CurvePlot.h"

#include "metrics/CurveDecimation.h"
#include "plots/PlotDecor.h"
#include "plots/PlotFit.h"

#include <QMouseEvent>

#include <algorithm>
#include <cmath>

namespace oodlens::ui {

CurvePlot::CurvePlot(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumSize(220, 150);
    title_ = addTitleAndLegendRows(this, 9);
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

    fit_ = new PlotFit(this, title_);
    fit_->setPlaceholder(placeholder_);
    setMouseTracking(true);
    readingMarker_ = new QCPItemTracer(this);
    readingMarker_->setLayer(pointLayer_);
    readingMarker_->setStyle(QCPItemTracer::tsCircle);
    readingMarker_->setSize(14);
    readingMarker_->setBrush(Qt::NoBrush);
    readingMarker_->position->setType(QCPItemPosition::ptPlotCoords);
    readingMarker_->setVisible(false);
    readingLabel_ = new QCPItemText(this);
    readingLabel_->setLayer(pointLayer_);
    readingLabel_->position->setType(QCPItemPosition::ptAbsolute);
    readingLabel_->position->setParentAnchor(readingMarker_->position);
    readingLabel_->setTextAlignment(Qt::AlignLeft);
    readingLabel_->setPadding(QMargins(5, 3, 5, 3));
    readingLabel_->setBrush(QBrush(QColor(255, 255, 255, 235)));
    readingLabel_->setPen(QPen(QColor(0xA0, 0xA0, 0xA0)));
    readingLabel_->setColor(QColor(0x20, 0x20, 0x20));
    readingLabel_->setFont(small);
    readingLabel_->setVisible(false);
}

QString CurvePlot::title() const
{
    return fit_->fullTitle();
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
    readingMarker_->setVisible(false);
    readingLabel_->setVisible(false);
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
    PlotFit::setMuted(this, true);
    title_->setText(title);
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    note_->setVisible(false);
    replot();
}

void CurvePlot::setCurves(const QString& title, const std::vector<CurveSeries>& series, const QString& emptyMessage)
{
    removeCurves();
    PlotFit::setMuted(this, series.empty());
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

// --- The pointer, for reading the curves ---------------------------------------------------------

bool CurvePlot::inAxes(const QPoint& pos) const
{
    return axisRect()->rect().contains(pos);
}

QPointF CurvePlot::toData(const QPoint& pos) const
{
    return {xAxis->pixelToCoord(pos.x()), yAxis->pixelToCoord(pos.y())};
}

QPointF CurvePlot::pixelsPerUnit() const
{
    return {std::abs(xAxis->coordToPixel(1) - xAxis->coordToPixel(0)),
            std::abs(yAxis->coordToPixel(1) - yAxis->coordToPixel(0))};
}

void CurvePlot::mouseMoveEvent(QMouseEvent* event)
{
    const QPoint pos = event->position().toPoint();
    if (inAxes(pos))
        emit pointerMoved(toData(pos), pixelsPerUnit());
    else
        emit pointerLeft();
    QCustomPlot::mouseMoveEvent(event);
}

void CurvePlot::mousePressEvent(QMouseEvent* event)
{
    pressed_ = event->button() == Qt::LeftButton;
    pressPos_ = event->position().toPoint();
    QCustomPlot::mousePressEvent(event);
}

void CurvePlot::mouseReleaseEvent(QMouseEvent* event)
{
    const QPoint pos = event->position().toPoint();
    const bool click = pressed_ && event->button() == Qt::LeftButton && (pos - pressPos_).manhattanLength() <= 4;
    pressed_ = false;
    if (click && inAxes(pos))
        emit pointerClicked(toData(pos), pixelsPerUnit());
    QCustomPlot::mouseReleaseEvent(event);
}

void CurvePlot::leaveEvent(QEvent* event)
{
    emit pointerLeft();
    QCustomPlot::leaveEvent(event);
}

void CurvePlot::showReading(const QPointF& point, const QString& text, const QColor& color)
{
    readingMarker_->setPen(QPen(color.darker(120), 1.6));
    readingMarker_->position->setCoords(point);
    readingMarker_->setVisible(true);
    readingLabel_->setText(text);
    // Beside the point, on the side where the axes have room.
    const bool right = point.x() > 0.5, low = point.y() < 0.5;
    readingLabel_->setPositionAlignment((right ? Qt::AlignRight : Qt::AlignLeft) | (low ? Qt::AlignBottom : Qt::AlignTop));
    readingLabel_->position->setCoords(right ? -9 : 9, low ? -9 : 9);
    readingLabel_->setVisible(true);
    pointLayer_->replot();
}

void CurvePlot::hideReading()
{
    if (!readingLabel_->visible() && !readingMarker_->visible())
        return;
    readingMarker_->setVisible(false);
    readingLabel_->setVisible(false);
    pointLayer_->replot();
}

QString CurvePlot::readingText() const
{
    return readingLabel_->visible() ? readingLabel_->text() : QString();
}

QPointF CurvePlot::readingPoint() const
{
    return readingMarker_->position->coords();
}

} // namespace oodlens::ui
