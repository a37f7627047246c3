// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "metrics/CurveReading.h"

#include <QObject>
#include <QPointF>
#include <QString>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oodlens::ui {

class CurvePlot;
class Workspace;

// Reading a ROC or PR curve with the pointer: hovering shows the threshold, TPR, FPR and
// precision of the nearest point of the nearest curve (within kPickRadius pixels), and a click
// sets the Workspace's threshold there. The view only maps pixels to data coordinates
// (CurvePlot::pointerMoved); which point that is and what it means is core's CurveReader, built
// from the Workspace's sorted scores of each curve's method. A point of another (overlaid)
// method's curve sets the current method's threshold at the same share of ID accepted, which is
// where that method's operating point is then drawn.
class CurveReadout : public QObject {
    Q_OBJECT

public:
    static constexpr double kPickRadius = 24;

    CurveReadout(CurvePlot* plot, CurveKind kind, Workspace* workspace, QObject* parent = nullptr);

    // The curves drawn, in order: (method, OOD dataset index), as ScorePlotsPanel drew them.
    void setCurves(std::vector<std::pair<std::string, std::size_t>> keys);

    struct Hit {
        int curve = -1; // index into the curves; -1 when none is near enough
        CurveReading reading;
    };
    // The nearest curve point to `data` (data coordinates), distances in pixels.
    Hit hitAt(const QPointF& data, const QPointF& pixelsPerUnit) const;
    // The current method's threshold that a click on `hit` sets; NaN when none.
    double thresholdFor(const Hit& hit) const;
    // The label a hover shows for `hit`.
    QString describe(const Hit& hit) const;

private:
    void hover(const QPointF& data, const QPointF& pixelsPerUnit);
    void click(const QPointF& data, const QPointF& pixelsPerUnit);
    const CurveReader& reader(std::size_t curve) const;

    CurvePlot* plot_;
    CurveKind kind_;
    Workspace* workspace_;
    std::vector<std::pair<std::string, std::size_t>> keys_;
    mutable std::vector<std::optional<CurveReader>> readers_; // built on first hover
};

} // namespace oodlens::ui
