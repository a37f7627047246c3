// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/RocView.h"

#include "plots/PlotFit.h"

namespace oodlens::ui {

namespace {

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 2) + QLatin1Char('%');
}

} // namespace

RocView::RocView(QWidget* parent) : CurvePlot(parent)
{
    setObjectName(QStringLiteral("rocPlot"));
    xAxis->setLabel(tr("FPR: fraction of OOD accepted as ID"));
    yAxis->setLabel(tr("TPR: fraction of ID accepted"));
    fit()->setShortLabel(xAxis, tr("FPR (OOD accepted)"));
    fit()->setShortLabel(yAxis, tr("TPR (ID accepted)"));

    QCPGraph* diagonal = addGraph();
    diagonal->setPen(QPen(QColor(0x90, 0x90, 0x90), 1.0, Qt::DashLine));
    diagonal->setData({0.0, 1.0}, {0.0, 1.0}, true);
    diagonal->removeFromLegend();

    clearCurves(tr("Run the analysis to see the ROC curve"));
}

void RocView::clearCurves(const QString& message)
{
    clearAll(tr("ROC (ID positive)"), message);
}

void RocView::showCurves(const QString& scoreLabel, const std::vector<RocSeries>& series)
{
    std::vector<CurveSeries> curves;
    for (const RocSeries& s : series)
        curves.push_back({series.size() > 2 ? tr("%1 %2").arg(s.name, QString::number(s.auroc * 100, 'f', 1))
                                            : tr("%1, AUROC %2").arg(s.name, percent(s.auroc)),
                          s.color, s.style, s.curve.fpr, s.curve.tpr, s.marker});
    const QString title = series.size() == 1 ? tr("ROC of %1: AUROC %2").arg(scoreLabel, percent(series.front().auroc))
                                             : tr("ROC of %1").arg(scoreLabel);
    setCurves(title, curves, tr("%1: no ROC curve (no OOD set with scores)").arg(scoreLabel));
}

} // namespace oodlens::ui
