// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Calibrating a detector on a run: the threshold from a target rate on a seeded calibration part
// of the ID set, the rates it achieves on the held-out rest and on the OOD sets with bootstrap
// intervals. The CLI's `calibrate` and the GUI's File > Export detector both build detectors here.
#include "detector/Detector.h"
#include "run/RunResult.h"

#include <cstdint>
#include <string>

namespace oodlens {

class ProgressSink;

struct CalibrationRequest {
    std::string method;
    CalibrationTarget target = CalibrationTarget::IdTpr;
    // IdTpr: the share of calibration ID images to keep; OodFpr: the most OOD images (pooled over
    // the run's OOD sets) to accept; Threshold: the threshold itself.
    double value = kDefaultTpr;
    // Share of the ID set that sets the threshold (validationMask(rows, 0, fraction, seed)
    // picks it); the rest is held out to measure the TPR. 0: no split, the whole ID set does both
    // (the detector says so). A Threshold target measures on the whole ID set.
    double fraction = kDefaultFraction;
    std::uint64_t splitSeed = 0;
    int resamples = kDefaultResamples; // bootstrap resamples of every rate's interval
    std::uint64_t seed = 0;            // bootstrap seed (the OOD set i uses seed + 1 + i)

    static constexpr double kDefaultTpr = 0.95;
    static constexpr double kDefaultFraction = 0.5;
    static constexpr int kDefaultResamples = 1000;
};

// Builds the detector of `request.method` from a final result that scored it. Throws Error when
// the method was not scored, needs the images again (ODIN: not supported by detectors), a
// target is out of range, an OodFpr target has no OOD set, or the ID part is empty.
Detector calibrateDetector(const RunResult& result, const CalibrationRequest& request,
                           const ProgressSink* cancel = nullptr);

// The lowest threshold t that accepts (score >= t) at most a share `fpr` of the usable `scores`;
// just above the highest score when even that one is too many. NaN when no score is usable.
double thresholdForFpr(const std::vector<double>& scores, double fpr);

} // namespace oodlens
