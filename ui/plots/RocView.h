// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/CurvePlot.h"
#include "metrics/Metrics.h"

#include <QColor>
#include <QString>

#include <vector>

namespace oodlens::ui {

// One ROC curve (ID positive) with its AUROC (a fraction).
struct RocSeries {
    QString name;
    QColor color;
    RocCurve curve;
    double auroc = 0;
    Qt::PenStyle style = Qt::SolidLine;
    int marker = 0; // a QCPScatterStyle::ScatterShape along the curve; 0 = none
};

// ROC curves, ID as the positive class: FPR (OOD accepted) on x, TPR (ID accepted) on y, with the
// chance diagonal. One curve per OOD set (and per overlaid method), coloured like its histogram;
// the operating point of the current threshold is marked on each curve.
class RocView : public CurvePlot {
    Q_OBJECT

public:
    explicit RocView(QWidget* parent = nullptr);

    void showCurves(const QString& scoreLabel, const std::vector<RocSeries>& series);
    void clearCurves(const QString& message);
};

} // namespace oodlens::ui
