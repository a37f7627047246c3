// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/ApplySeries.h"

#include "datasets/Dataset.h"
#include "plots/HistogramView.h"
#include "plots/OkabeIto.h"


namespace oodlens::ui {

void showApplyHistogram(HistogramView& view, const Detector& detector, const std::vector<ApplySource>& sources)
{
    std::vector<ScoreSeries> series;
    series.push_back({QStringLiteral("calibration ID"), datasetColor(0), detector.calibrationScores});
    int slot = 1;
    for (const ApplySource& s : sources) {
        if (s.scores.empty())
            continue;
        series.push_back({QString::fromStdString(datasetDisplayName(s.path)), datasetColor(slot++), s.scores});
    }
    view.setDensity(true);
    view.showScores(QString::fromStdString(detector.methodLabel()), series);
    view.setThreshold(detector.threshold);
    view.replotThreshold();
}

} // namespace oodlens::ui
