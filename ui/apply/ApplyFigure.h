// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Plain C++ on purpose: oodlens-cli (Qt-free in its own sources) calls it when built with the GUI.
#include "detector/Apply.h"

#include <string>
#include <vector>

namespace oodlens {

// Writes DIR/histogram.pdf and DIR/histogram.png: the density histograms of each source's scores
// (the images a detector was applied to) against the detector's calibration ID scores, with its
// threshold. Creates an offscreen QApplication when there is none. False and `error` on failure.
bool writeApplyHistogram(const Detector& detector, const ApplySummary& summary, const std::string& dir,
                         std::string* error);

} // namespace oodlens
