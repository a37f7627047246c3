// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Detector.h"

namespace oodlens::ui {

class Workspace;

// The detector of the window's current method at the window's threshold, from the current result
// (core's calibrateDetector with a Threshold target: the rates are measured on the whole ID set,
// which did not set the threshold). What File > Export detector saves and what the Apply tab's
// "From the analysis" applies. Throws oodlens::Error with the reason (no result, the method not
// scored, a method that needs the images again).
Detector currentDetector(const Workspace& workspace);

} // namespace oodlens::ui
