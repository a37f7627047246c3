// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/CurveReadout.h"

#include "plots/CurvePlot.h"
#include "workspace/Workspace.h"

#include <cmath>
#include <limits>

namespace oodlens::ui {

namespace {

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 2) + QStringLiteral(" %");
}

} // namespace

CurveReadout::CurveReadout(CurvePlot* plot, CurveKind kind, Workspace* workspace, QObject* parent)
    : QObject(parent), plot_(plot), kind_(kind), workspace_(workspace)
{
    connect(plot, &CurvePlot::pointerMoved, this, &CurveReadout::hover);
    connect(plot, &CurvePlot::pointerClicked, this, &CurveReadout::click);
    connect(plot, &CurvePlot::pointerLeft, plot, &CurvePlot::hideReading);
}

void CurveReadout::setCurves(std::vector<std::pair<std::string, std::size_t>> keys)
{
    keys_ = std::move(keys);
    readers_.assign(keys_.size(), std::nullopt);
}

const CurveReader& CurveReadout::reader(std::size_t curve) const
{
    std::optional<CurveReader>& r = readers_[curve];
    if (!r) {
        const RunResultPtr result = workspace_->result();
        if (result && result->idIndex >= 0) {
            const ThresholdIndex& index = workspace_->thresholdIndex(QString::fromStdString(keys_[curve].first));
            r.emplace(index.dataset(std::size_t(result->idIndex)), index.dataset(keys_[curve].second));
        } else {
            r.emplace();
        }
    }
    return *r;
}

CurveReadout::Hit CurveReadout::hitAt(const QPointF& data, const QPointF& pixelsPerUnit) const
{
    Hit best;
    // Only curves that are drawn (the plot may have been cleared since).
    const std::size_t drawn = std::min(keys_.size(), plot_->curves().size());
    for (std::size_t c = 0; c < drawn; ++c) {
        const CurveReading r = reader(c).nearest(kind_, data.x(), data.y(), pixelsPerUnit.x(), pixelsPerUnit.y());
        if (r.valid && r.distance <= kPickRadius && r.distance < best.reading.distance) {
            best.curve = int(c);
            best.reading = r;
        }
    }
    return best;
}

double CurveReadout::thresholdFor(const Hit& hit) const
{
    if (hit.curve < 0)
        return std::numeric_limits<double>::quiet_NaN();
    const QString method = QString::fromStdString(keys_[std::size_t(hit.curve)].first);
    const QString current = workspace_->currentMethod();
    return method == current ? hit.reading.threshold : workspace_->thresholdAtIdAcceptance(current, hit.reading.tpr);
}

QString CurveReadout::describe(const Hit& hit) const
{
    if (hit.curve < 0)
        return {};
    const CurveReading& r = hit.reading;
    const QString name = plot_->curves()[std::size_t(hit.curve)]->name();
    return tr("%1\nthreshold %2\nTPR %3   FPR %4\nprecision %5\nclick to set the threshold")
        .arg(name)
        .arg(r.threshold, 0, 'g', 5)
        .arg(percent(r.tpr), percent(r.fpr), percent(r.precision));
}

void CurveReadout::hover(const QPointF& data, const QPointF& pixelsPerUnit)
{
    const Hit hit = hitAt(data, pixelsPerUnit);
    if (hit.curve < 0) {
        plot_->hideReading();
        return;
    }
    const CurveReader::Point& p = reader(std::size_t(hit.curve)).points()[hit.reading.index];
    const QCPCurve* curve = plot_->curves()[std::size_t(hit.curve)];
    plot_->showReading(QPointF(CurveReader::xOf(kind_, p), CurveReader::yOf(kind_, p)), describe(hit),
                       curve->pen().color());
}

void CurveReadout::click(const QPointF& data, const QPointF& pixelsPerUnit)
{
    const double t = thresholdFor(hitAt(data, pixelsPerUnit));
    if (!std::isnan(t))
        workspace_->setThreshold(t);
}

} // namespace oodlens::ui
