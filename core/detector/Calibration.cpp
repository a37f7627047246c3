// SPDX-License-Identifier: GPL-3.0-or-later
#include "detector/Calibration.h"

#include "common/Error.h"
#include "common/Runtime.h"
#include "metrics/ResultsTable.h"
#include "metrics/SortedScores.h"
#include "metrics/ValidationSplit.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace oodlens {

double thresholdForFpr(const std::vector<double>& scores, double fpr)
{
    const SortedScores sorted(scores);
    const std::vector<double>& v = sorted.values(); // ascending
    if (v.empty())
        return std::numeric_limits<double>::quiet_NaN();
    const auto allowed = static_cast<std::size_t>(std::floor(fpr * double(v.size()) + 1e-9));
    // Walk the distinct values from the top while they accept no more than `allowed`.
    double t = std::nextafter(v.back(), std::numeric_limits<double>::infinity());
    for (std::size_t i = v.size(); i > 0;) {
        std::size_t j = i - 1;
        while (j > 0 && v[j - 1] == v[i - 1])
            --j;
        if (v.size() - j > allowed)
            break;
        t = v[j];
        i = j;
    }
    return t;
}

Detector calibrateDetector(const RunResult& result, const CalibrationRequest& q, const ProgressSink* cancel)
{
    const MethodInfo& info = requireMethod(q.method);
    if (info.images)
        throw Error(info.label + " needs a second pass over the images, which detectors do not make; calibrate a "
                                 "method scored from the features (oodlens-cli methods)");
    if (result.idIndex < 0)
        throw Error("the run has no ID set");
    const auto id = static_cast<std::size_t>(result.idIndex);
    const std::vector<double>& idScores = result.scoresOf(q.method, id);
    if (idScores.empty())
        throw Error("the run has no scores of " + info.label + " on its ID set" +
                    (result.metrics.empty() ? std::string() : " (see the run's warnings)"));
    if (q.target == CalibrationTarget::IdTpr && !(q.value > 0 && q.value <= 1))
        throw Error("the target ID TPR must lie in (0, 1], not " + std::to_string(q.value));
    if (q.target == CalibrationTarget::OodFpr && !(q.value >= 0 && q.value < 1))
        throw Error("the target FPR must lie in [0, 1), not " + std::to_string(q.value));
    if (q.target == CalibrationTarget::Threshold && std::isnan(q.value))
        throw Error("the threshold is not a number");
    const bool split = q.fraction > 0 && q.target != CalibrationTarget::Threshold;
    if (split && !(q.fraction < 1))
        throw Error("the calibration fraction must lie in (0, 1), or be 0 for no split, not " + std::to_string(q.fraction));

    Detector d;
    d.oodlensVersion = oodlensVersion();
    // Absolute: apply runs from anywhere.
    auto absolute = [](const std::string& path) {
        std::error_code ec;
        const std::filesystem::path p = std::filesystem::absolute(path, ec);
        return ec ? path : p.lexically_normal().string();
    };
    d.modelPath = absolute(result.model.path);
    d.modelSha256 = result.model.sha256;
    d.classes = result.model.classes;
    d.featureDim = result.model.featureDim;
    d.preprocess = result.preprocess;
    d.device = result.config.device;
    d.method = q.method;
    d.params = result.params.resolve(info);
    d.target = q.target;
    d.targetValue = q.value;
    d.idName = result.datasets[id].name;
    d.idPath = absolute(result.datasets[id].path);
    d.idImages = idScores.size();
    d.split = split;
    d.splitFraction = split ? q.fraction : 0;
    d.splitSeed = q.splitSeed;
    d.classNames = result.classNames;
    d.classNamesSource = result.classNamesSource;
    if (id < result.features.size() && result.features[id])
        if (auto a = classificationAccuracy(*result.features[id]))
            d.idAccuracy = a->accuracy;

    std::vector<double> setting, measuring;
    if (split) {
        // Salt 0, not the ID set's place among the run's datasets: the split is the seed's alone,
        // whatever the order of --id and --ood (docs/detector.md).
        const std::vector<bool> mask = validationMask(idScores.size(), 0, q.fraction, q.splitSeed);
        for (std::size_t i = 0; i < idScores.size(); ++i)
            (mask[i] ? setting : measuring).push_back(idScores[i]);
        if (setting.empty() || measuring.empty())
            throw Error("the calibration split of the " + std::to_string(idScores.size()) + " ID images at fraction " +
                        std::to_string(q.fraction) + " leaves one part empty; use more ID images or another fraction");
    } else {
        setting = measuring = idScores;
    }
    d.calibrationImages = setting.size();
    d.heldOutImages = split ? measuring.size() : 0;

    std::vector<double> pooledOod;
    for (std::size_t o : result.oodIndices) {
        const std::vector<double>& s = result.scoresOf(q.method, o);
        pooledOod.insert(pooledOod.end(), s.begin(), s.end());
    }
    switch (q.target) {
    case CalibrationTarget::IdTpr: d.threshold = SortedScores(setting).thresholdForTpr(q.value); break;
    case CalibrationTarget::OodFpr:
        if (pooledOod.empty())
            throw Error("a target FPR needs an OOD set (--ood)");
        d.threshold = thresholdForFpr(pooledOod, q.value);
        break;
    case CalibrationTarget::Threshold: d.threshold = q.value; break;
    }
    if (std::isnan(d.threshold))
        throw Error("every score of " + info.label + " on the calibration images is NaN: no threshold can be set");
    d.calibrationScores = setting;
    d.idTpr = acceptedRate(measuring, d.threshold, q.resamples, q.seed, cancel);
    for (std::size_t k = 0; k < result.oodIndices.size(); ++k) {
        const std::size_t o = result.oodIndices[k];
        DetectorOodSet s;
        s.name = result.datasets[o].name;
        s.path = absolute(result.datasets[o].path);
        s.accepted = acceptedRate(result.scoresOf(q.method, o), d.threshold, q.resamples, q.seed + 1 + k, cancel);
        const MetricsRow* row = result.metricsOf(q.method, s.name);
        s.metrics = row ? row->metrics : BinaryMetrics::undefined();
        d.oodSets.push_back(std::move(s));
    }
    if (info.fit && info.has(NeedsFitSet)) {
        for (std::size_t i = 0; i < result.datasets.size(); ++i)
            if (result.datasets[i].role == DatasetRole::Fit && result.datasets[i].ok() && i < result.features.size()) {
                d.fitName = result.datasets[i].name;
                d.fitPath = absolute(result.datasets[i].path);
                d.fit = result.features[i];
            }
        if (!d.fit)
            throw Error(info.label + " needs a fit set, and the run has none that was read");
    }
    return d;
}

} // namespace oodlens
