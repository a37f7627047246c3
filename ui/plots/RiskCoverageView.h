// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/CurvePlot.h"
#include "metrics/Deployment.h"

#include <QColor>
#include <QString>

namespace oodlens::ui {

// The risk-coverage curve of selective classification on the ID set (core's riskCoverageCurve):
// coverage (the share of ID images a threshold accepts) on x, risk (the share of the accepted that
// the classifier gets wrong) on y, with its AURC in the title, and the operating point of a
// threshold marked on it.
class RiskCoverageView : public CurvePlot {
    Q_OBJECT

public:
    explicit RiskCoverageView(QWidget* parent = nullptr);

    void showCurve(const QString& scoreLabel, const RiskCoverage& curve, const QColor& color);
    void clearCurve(const QString& message);
    // Marks the point of the curve at `threshold` (the last point whose threshold is >= it).
    void setThreshold(double threshold);
    const RiskCoverage& curve() const { return curve_; }

private:
    RiskCoverage curve_;
};

} // namespace oodlens::ui
