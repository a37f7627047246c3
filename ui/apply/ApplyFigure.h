// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Plain C++ on purpose: oodlens-cli (Qt-free in its own sources) calls it when built with the GUI.
#include "detector/Detector.h"

#include <string>
#include <vector>

namespace oodlens {

// Writes DIR/histogram.pdf and DIR/histogram.png: the density histogram of `scores` (the images a
// detector was applied to) against the detector's calibration ID scores, with its threshold.
// Creates an offscreen QApplication when there is none. False and `error` on failure.
bool writeApplyHistogram(const Detector& detector, const std::vector<double>& scores, const std::string& dir,
                         std::string* error);

} // namespace oodlens
