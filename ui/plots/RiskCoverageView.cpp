// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/RiskCoverageView.h"

#include "plots/PlotFit.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens::ui {

RiskCoverageView::RiskCoverageView(QWidget* parent) : CurvePlot(parent)
{
    setObjectName(QStringLiteral("riskCoveragePlot"));
    xAxis->setLabel(tr("Coverage: fraction of ID images accepted"));
    yAxis->setLabel(tr("Risk: fraction of accepted misclassified"));
    fit()->setShortLabel(xAxis, tr("Coverage"));
    fit()->setShortLabel(yAxis, tr("Risk"));
    clearCurve(tr("Run the analysis on a labelled ID set to see the risk-coverage curve"));
}

void RiskCoverageView::clearCurve(const QString& message)
{
    curve_ = {};
    clearAll(tr("Risk-coverage (ID set)"), message);
}

void RiskCoverageView::showCurve(const QString& scoreLabel, const RiskCoverage& curve, const QColor& color)
{
    curve_ = curve;
    const double area = aurc(curve);
    // The curve starts at zero coverage, where the step function does.
    CurveSeries series{tr("ID set"), color, Qt::SolidLine, {}, {}, 0};
    if (!curve.coverage.empty()) {
        series.x.push_back(0);
        series.y.push_back(curve.risk.front());
    }
    for (std::size_t i = 0; i < curve.coverage.size(); ++i) {
        series.x.push_back(curve.coverage[i]);
        series.y.push_back(curve.risk[i]);
    }
    const QString title = std::isnan(area) ? tr("Risk-coverage of %1").arg(scoreLabel)
                                           : tr("Risk-coverage of %1: AURC %2%").arg(scoreLabel).arg(area * 100, 0, 'f', 3);
    setCurves(title, {series}, tr("%1: no risk-coverage curve (the ID set has no labels)").arg(scoreLabel));
    double top = 0;
    for (double r : series.y)
        top = std::max(top, r);
    yAxis->setRange(0, top > 0 ? top * 1.08 : 1.0);
    xAxis->setRange(0, 1);
    replot();
}

void RiskCoverageView::setThreshold(double threshold)
{
    // Thresholds descend along the curve: the operating point is the last one still >= threshold.
    QPointF point(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < curve_.threshold.size() && curve_.threshold[i] >= threshold; ++i)
        point = QPointF(curve_.coverage[i], curve_.risk[i]);
    setOperatingPoints({point});
    replotOperatingPoints();
}

} // namespace oodlens::ui
