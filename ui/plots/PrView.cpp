// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/PrView.h"

#include "plots/PlotFit.h"

namespace oodlens::ui {

namespace {

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 2) + QLatin1Char('%');
}

} // namespace

PrView::PrView(QWidget* parent) : CurvePlot(parent)
{
    setObjectName(QStringLiteral("prPlot"));
    xAxis->setLabel(tr("Recall: fraction of ID accepted"));
    yAxis->setLabel(tr("Precision: ID among the accepted"));
    fit()->setShortLabel(xAxis, tr("Recall (ID accepted)"));
    fit()->setShortLabel(yAxis, tr("Precision"));
    clearCurves(tr("Run the analysis to see the precision-recall curve"));
}

void PrView::clearCurves(const QString& message)
{
    clearAll(tr("Precision-recall (ID positive)"), message);
}

void PrView::showCurves(const QString& scoreLabel, const std::vector<PrSeries>& series)
{
    std::vector<CurveSeries> curves;
    for (const PrSeries& s : series)
        curves.push_back({series.size() > 2 ? tr("%1 %2").arg(s.name, QString::number(s.aupr * 100, 'f', 1))
                                            : tr("%1, AUPR-In %2").arg(s.name, percent(s.aupr)),
                          s.color, s.style, s.curve.recall, s.curve.precision, s.marker});
    const QString title = series.size() == 1 ? tr("PR of %1: AUPR-In %2").arg(scoreLabel, percent(series.front().aupr))
                                             : tr("PR of %1").arg(scoreLabel);
    setCurves(title, curves, tr("%1: no precision-recall curve (no OOD set with scores)").arg(scoreLabel));
}

} // namespace oodlens::ui
