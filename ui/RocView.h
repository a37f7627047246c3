// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "Metrics.h"

#include <QColor>
#include <QString>
#include <qcustomplot.h>

#include <vector>

namespace oodlens::ui {

// One OOD set's ROC curve (ID positive) with its AUROC (a fraction).
struct RocSeries {
    QString name;
    QColor color;
    RocCurve curve;
    double auroc = 0;
};

// ROC curves of one score, ID as the positive class: FPR (OOD accepted) on x, TPR (ID accepted)
// on y, with the chance diagonal. One curve per OOD set, coloured like its histogram.
class RocView : public QCustomPlot {
    Q_OBJECT

public:
    explicit RocView(QWidget* parent = nullptr);

    void showCurves(const QString& scoreLabel, const std::vector<RocSeries>& series);
    void clearCurves(const QString& message);

    QString title() const;
    // The drawn ROC curves, in series order.
    const std::vector<QCPCurve*>& curves() const { return curves_; }

private:
    QCPTextElement* title_;
    QCPItemText* placeholder_;
    QCPGraph* diagonal_;
    std::vector<QCPCurve*> curves_;
};

} // namespace oodlens::ui
