// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Calibration.h"
#include "detector/Detector.h"
#include "run/RunResult.h"

namespace oodlens::ui {

class Workspace;

// The detector of the window's current method at the window's threshold, from the current result
// (core's calibrateDetector with a Threshold target: the rates are measured on the whole ID set,
// which did not set the threshold). What File > Export detector saves and what the Apply tab's
// "From the analysis" applies.
//
// The job: the result and the request, taken on the GUI thread (cheap; throws oodlens::Error with
// the reason: no result, the method not scored, no threshold). Its calibration (the bootstrap of
// every rate) may run on any thread: the result is immutable.
struct CurrentDetectorJob {
    RunResultPtr result;
    CalibrationRequest request;
    Detector run() const { return calibrateDetector(*result, request); }
};
CurrentDetectorJob currentDetectorJob(const Workspace& workspace);
// The job, run here.
Detector currentDetector(const Workspace& workspace);

} // namespace oodlens::ui
