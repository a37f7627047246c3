// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/CurvePlot.h"
#include "metrics/Metrics.h"

#include <QColor>
#include <QString>

#include <vector>

namespace oodlens::ui {

// One precision-recall curve with ID as the positive class, and its AUPR-In (a fraction).
struct PrSeries {
    QString name;
    QColor color;
    PrCurve curve;
    double aupr = 0;
    Qt::PenStyle style = Qt::SolidLine;
    int marker = 0; // a QCPScatterStyle::ScatterShape along the curve; 0 = none
};

// Precision-recall curves with ID positive (recall = ID accepted, precision = ID among the
// accepted), one per OOD set and overlaid method, with the current operating point on each.
class PrView : public CurvePlot {
    Q_OBJECT

public:
    explicit PrView(QWidget* parent = nullptr);

    void showCurves(const QString& scoreLabel, const std::vector<PrSeries>& series);
    void clearCurves(const QString& message);
};

} // namespace oodlens::ui
