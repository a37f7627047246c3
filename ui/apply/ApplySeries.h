// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Detector.h"

#include <vector>

namespace oodlens::ui {

class HistogramView;

// The apply histogram, in the window and in the files: density of the calibration ID scores and of
// the applied images' scores on shared bins, and the detector's threshold.
void showApplyHistogram(HistogramView& view, const Detector& detector, const std::vector<double>& scores);

} // namespace oodlens::ui
