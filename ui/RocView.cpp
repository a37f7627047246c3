// SPDX-License-Identifier: GPL-3.0-or-later
#include "RocView.h"

namespace oodlens::ui {

namespace {

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 2) + QLatin1Char('%');
}

} // namespace

RocView::RocView(QWidget* parent) : QCustomPlot(parent)
{
    setObjectName(QStringLiteral("rocPlot"));
    setMinimumSize(280, 240);
    plotLayout()->insertRow(0);
    title_ = new QCPTextElement(this, QString(), QFont(font().family(), 11, QFont::Bold));
    plotLayout()->addElement(0, 0, title_);
    plotLayout()->insertRow(1);
    auto* legendRow = new QCPLayoutGrid;
    plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(6, 0, 6, 0));
    legendRow->addElement(0, 0, legend);
    legend->setVisible(true);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    plotLayout()->setRowStretchFactor(0, 0.001);
    plotLayout()->setRowStretchFactor(1, 0.001);

    xAxis->setLabel(tr("FPR: fraction of OOD accepted as ID"));
    yAxis->setLabel(tr("TPR: fraction of ID accepted"));
    for (QCPAxis* axis : {xAxis, yAxis}) {
        axis->setRange(-0.01, 1.01);
        axis->ticker()->setTickCount(5);
    }

    diagonal_ = addGraph();
    diagonal_->setPen(QPen(QColor(0x90, 0x90, 0x90), 1.0, Qt::DashLine));
    diagonal_->setData({0.0, 1.0}, {0.0, 1.0}, true);
    diagonal_->removeFromLegend();

    placeholder_ = new QCPItemText(this);
    placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
    placeholder_->position->setCoords(0.5, 0.5);
    placeholder_->setColor(Qt::gray);

    clearCurves(tr("Run the analysis to see the ROC curve"));
}

void RocView::clearCurves(const QString& message)
{
    for (QCPCurve* curve : curves_)
        removePlottable(curve);
    curves_.clear();
    title_->setText(tr("ROC (ID positive)"));
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    replot();
}

void RocView::showCurves(const QString& scoreLabel, const std::vector<RocSeries>& series)
{
    for (QCPCurve* curve : curves_)
        removePlottable(curve);
    curves_.clear();
    placeholder_->setVisible(series.empty());
    if (series.empty())
        placeholder_->setText(tr("%1: no ROC curve (no OOD set with scores)").arg(scoreLabel));

    for (const RocSeries& s : series) {
        // A curve, not a graph: an ROC has vertical runs (equal FPR), which a graph would reorder.
        auto* curve = new QCPCurve(xAxis, yAxis);
        curve->setPen(QPen(s.color, 2.0));
        QVector<double> t(static_cast<int>(s.curve.fpr.size()));
        for (int i = 0; i < t.size(); ++i)
            t[i] = i;
        curve->setData(t, QVector<double>(s.curve.fpr.begin(), s.curve.fpr.end()),
                       QVector<double>(s.curve.tpr.begin(), s.curve.tpr.end()));
        curve->setName(tr("%1, AUROC %2").arg(s.name, percent(s.auroc)));
        curves_.push_back(curve);
    }
    if (series.size() == 1)
        title_->setText(tr("ROC of %1 (ID positive): AUROC %2").arg(scoreLabel, percent(series.front().auroc)));
    else
        title_->setText(tr("ROC of %1 (ID positive)").arg(scoreLabel));
    replot();
}

QString RocView::title() const
{
    return title_->text();
}

} // namespace oodlens::ui
