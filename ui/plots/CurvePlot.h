// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QColor>
#include <QPointF>
#include <QString>
#include <qcustomplot.h>

#include <cstddef>
#include <vector>

namespace oodlens::ui {

class PlotFit;

// One curve to draw: every point of it (metrics come from all points; only drawing is thinned).
struct CurveSeries {
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    std::vector<double> x, y;
    int marker = 0; // a QCPScatterStyle::ScatterShape drawn along the curve; 0 = none
};

// The common frame of the ROC and precision-recall plots: title and legend above the axes (fitted
// to the plot's width, PlotFit; at most kMaxLegendEntries entries, fewer on a short plot, the rest
// summed up as "+N more" with every name in the tooltip; exported figures list them all), curves
// thinned to at most kMaxDrawnPoints for drawing (a note says so), a placeholder on muted axes when
// empty, and one operating-point tracer per curve on a buffered layer of its own so that moving the
// threshold repaints only that layer. The pointer's position is reported in data coordinates
// (pointerMoved / pointerClicked) for CurveReadout, which reads the curve there and shows the
// reading on the same layer.
class CurvePlot : public QCustomPlot {
    Q_OBJECT

public:
    static constexpr std::size_t kMaxDrawnPoints = 2500;
    static constexpr int kMaxLegendEntries = 6;

    explicit CurvePlot(QWidget* parent = nullptr);

    QString title() const;
    // The drawn curves, in series order.
    const std::vector<QCPCurve*>& curves() const { return curves_; }
    // Points of curve i before thinning.
    std::size_t totalPoints(std::size_t i) const { return i < totals_.size() ? totals_[i] : 0; }
    bool isDecimated() const;
    // The note under the legend ("drawn with at most 2500 of 4001 points ..."), empty when none.
    QString note() const;

    // One point per curve, in curve order (data coordinates); a NaN coordinate hides that tracer.
    void setOperatingPoints(const std::vector<QPointF>& points);
    const std::vector<QCPItemTracer*>& operatingPoints() const { return tracers_; }
    // Repaints only the operating-point layer (cheap: for each threshold move).
    void replotOperatingPoints();

    // The reading under the pointer (CurveReadout): a ring at `point` (data coordinates) in
    // `color` and `text` beside it, on the operating-point layer; hideReading() removes both.
    void showReading(const QPointF& point, const QString& text, const QColor& color);
    void hideReading();
    QString readingText() const;
    QPointF readingPoint() const;
    PlotFit* fit() const { return fit_; }

signals:
    // The pointer over the axes, in data coordinates, with the pixels one data unit spans on x
    // and on y (so that a reader measures distances as they look on screen).
    void pointerMoved(QPointF data, QPointF pixelsPerUnit);
    // A left click (press and release without a drag) in the axes.
    void pointerClicked(QPointF data, QPointF pixelsPerUnit);
    void pointerLeft();

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void setCurves(const QString& title, const std::vector<CurveSeries>& series, const QString& emptyMessage);
    void clearAll(const QString& title, const QString& message);

private:
    void removeCurves();
    bool inAxes(const QPoint& pos) const;
    QPointF toData(const QPoint& pos) const;
    QPointF pixelsPerUnit() const;
    // How many legend entries fit the plot's height; the legend then shows that many.
    int legendEntryLimit() const;
    void updateLegendEntries();

    QCPTextElement* title_;
    QCPItemText* placeholder_;
    QCPItemText* note_;
    QCPLayer* pointLayer_;
    QCPAbstractLegendItem* moreEntries_ = nullptr;
    int legendLimit_ = 0; // the entry limit the legend was last filled for
    std::vector<QCPCurve*> curves_;
    std::vector<std::size_t> totals_;
    std::vector<QCPItemTracer*> tracers_;
    PlotFit* fit_;
    QCPItemTracer* readingMarker_;
    QCPItemText* readingLabel_;
    QPoint pressPos_;
    bool pressed_ = false;
};

} // namespace oodlens::ui
