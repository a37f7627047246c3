// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// A detector: one method at one threshold, calibrated on a run and saved, so that new images can
// be accepted or flagged without the analysis (`oodlens-cli calibrate` writes one, File > Export
// detector too, `oodlens-cli apply` and the Apply tab use it). docs/detector.md documents the file.
#include "features/FeatureSet.h"
#include "features/Preprocess.h"
#include "methods/Method.h"
#include "metrics/Deployment.h"
#include "metrics/Metrics.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

// How the threshold was set.
enum class CalibrationTarget {
    IdTpr,    // the highest threshold that keeps a share of the calibration ID images (SortedScores)
    OodFpr,   // the lowest threshold that accepts at most a share of the OOD images
    Threshold // given as a number (the GUI's threshold)
};
// "id_tpr", "ood_fpr", "threshold".
const char* calibrationTargetName(CalibrationTarget target);

// A rate at the detector's threshold on one OOD set given at calibration.
struct DetectorOodSet {
    std::string name, path;
    RateInterval accepted;  // OOD images accepted as ID: the FPR (ID positive), with its interval
    BinaryMetrics metrics;  // the run's threshold-free metrics of the set (AUROC, FPR@95, ...)
};

struct Detector {
    static constexpr int kVersion = 1;
    std::string oodlensVersion; // of the OOD Lens that wrote it
    std::string created;        // UTC, ISO 8601

    // The model: its file, its SHA-256 (apply refuses another), its shape.
    std::string modelPath, modelSha256;
    int classes = 0, featureDim = 0;
    PreprocessSpec preprocess; // resolved: what the calibration run used
    std::string device = "cpu";

    // The method, its parameters (every one, `flip` included) and the decision rule: scores are
    // oriented higher = more ID; an image is accepted when score >= threshold, else flagged (a
    // NaN score is flagged: it cannot be placed).
    std::string method;
    ParamValues params;
    double threshold = 0;

    // How the threshold was calibrated.
    CalibrationTarget target = CalibrationTarget::IdTpr;
    double targetValue = 0.95;
    std::string idName, idPath;
    std::size_t idImages = 0;        // scored ID images
    bool split = true;               // a seeded calibration split of the ID set (ValidationSplit.h)
    double splitFraction = 0.5;      // share of the ID images that set the threshold
    std::uint64_t splitSeed = 0;
    std::size_t calibrationImages = 0, heldOutImages = 0;
    // The ID TPR the threshold achieves on the held-out part (the whole ID set without a split),
    // with its bootstrap interval.
    RateInterval idTpr;
    std::vector<DetectorOodSet> oodSets;
    double idAccuracy = BinaryMetrics::kUnset; // the classifier's top-1 accuracy on the ID set

    std::vector<std::string> classNames; // of the model's classes, index = predicted class
    std::string classNamesSource;

    // A fitted method's fit set: where it came from, and its features, logits and labels, from
    // which the method's statistics are fitted again when the detector is applied (the same code
    // and data as at calibration, so the scores are the calibration run's). Null otherwise.
    std::string fitName, fitPath;
    std::shared_ptr<const FeatureSet> fit;
    // The scores of the ID images that set the threshold (apply's histogram draws them).
    std::vector<double> calibrationScores;

    std::string methodLabel() const;
};

// What a detector is, in a few lines for people: method, threshold, how it was calibrated, the ID
// TPR it achieves with its interval, each OOD set's FPR at it.
std::string detectorText(const Detector& detector);

// The side file of `jsonPath`: "detector.json" -> "detector.bin" (any other name: + ".bin").
std::string detectorSideFile(const std::string& jsonPath);

// Writes `path` (JSON) and its side file (the fit set and the calibration scores), each to a
// temporary name renamed into place. Throws Error naming the file.
void writeDetector(const Detector& detector, const std::string& path);
// Reads a detector; every field is checked, and the side file's size and SHA-256 are compared
// with the JSON's record of them before anything is allocated from it. Throws Error naming the
// file and the problem (not a detector, a newer version, a missing or truncated side file, a
// field of the wrong type or out of range).
Detector readDetector(const std::string& path);

} // namespace oodlens
