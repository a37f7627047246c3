// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Apply.h"

#include <vector>

namespace oodlens::ui {

class HistogramView;

// The apply histogram, in the window and in the files: the density of the calibration ID scores and
// of each source's scores (named as a dataset of that path is) on shared bins, and the detector's threshold.
void showApplyHistogram(HistogramView& view, const Detector& detector, const std::vector<ApplySource>& sources);

} // namespace oodlens::ui
