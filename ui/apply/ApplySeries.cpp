// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/ApplySeries.h"

#include "plots/HistogramView.h"
#include "plots/OkabeIto.h"

namespace oodlens::ui {

void showApplyHistogram(HistogramView& view, const Detector& detector, const std::vector<double>& scores)
{
    std::vector<ScoreSeries> series;
    series.push_back({QStringLiteral("calibration ID"), datasetColor(0),
                      detector.calibrationScores});
    series.push_back({QStringLiteral("applied images"), datasetColor(1), scores});
    view.setDensity(true);
    view.showScores(QString::fromStdString(detector.methodLabel()), series);
    view.setThreshold(detector.threshold);
}

} // namespace oodlens::ui
