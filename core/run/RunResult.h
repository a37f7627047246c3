// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What a run produces: immutable once built. The Pipeline creates it on its thread; the CLI writes
// it to files, the GUI reads it through a shared_ptr<const> from any thread without locking.
#include "metrics/Metrics.h"
#include "features/ResolvedPreprocess.h"
#include "features/Shards.h"
#include "model/Classifier.h"
#include "run/RunConfig.h"

#include <cstddef>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

// One dataset of a run: enough to label plots, write run.json and explain failures.
struct DatasetSummary {
    std::string name; // display name ("mnist-test-2000", "fashion-mnist")
    std::string path; // what the user gave (file or folder)
    DatasetRole role = DatasetRole::Ood;
    std::string kind;        // dataset format, empty when it failed to open
    std::size_t items = 0;   // items in the dataset
    std::size_t rows = 0;    // items scored (unreadable ones are left out)
    std::size_t skipped = 0; // unreadable items
    std::string fingerprint; // dataset content fingerprint (cache key input)
    std::string error;       // non-empty when the dataset failed or was not needed
    bool needed = true;      // false: the run had no use for it (error says why); not a failure
    bool fromCache = false;  // features came from the feature cache; the model did not run
    // The shards the features were put together from (features/Shards.h), in order; empty when
    // they were extracted, or cached, whole. For `extract --shard`, the one shard extracted.
    std::vector<ShardPart> shards;
    // Names of this dataset's own labels (Dataset::classNames(): folder names, CIFAR meta, a CSV's
    // label_name column), index = label; empty when the format has none.
    std::vector<std::string> classNames;
    bool ok() const { return error.empty(); }
};

// Scores of every method for every dataset, in dataset order: scores[method][dataset].
using ScoreTable = std::map<std::string, std::vector<std::vector<double>>>;

struct MetricsRow {
    std::string method;
    // What people call the method in this run: methodLabel(method, params) ("ExGrad (flipped)");
    // empty in rows built without a run, where the registry label stands.
    std::string label;
    bool flipped = false; // the method's flip parameter was 1: its scores were negated
    std::string ood;
    BinaryMetrics metrics;
    bool hasIntervals = false; // bootstrap CIs computed
    BootstrapIntervals intervals;
    // Non-empty when the metrics could not be computed (every score NaN, say): the row stays in
    // the table with NaN metrics and this note, so that no method vanishes without a word.
    std::string note;
};

// Something skipped or degraded during a run, and where: the dataset (index into
// RunResult::datasets, -1 for none) and the method (empty for none).
struct RunWarning {
    int dataset = -1;
    std::string method;
    std::string message;
};

// What scoring costs per image on this run's machine and device, measured during the run (the
// factor analysis's cost table). Every figure is seconds per image; NaN when not measured, with the
// reason in `note`. Measured only when the run scores a gradient method (a registered
// MethodGroup::Gradient product or its autograd variant), and only in the final result; the maps
// hold the closed forms scored in this run or whose autograd variant was (registry ids).
struct ScoringCosts {
    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    std::string device;           // "cpu", "cuda:0"
    double forward = kNaN;        // the model's forward pass (features + logits) at the run's batch size
    std::size_t forwardImages = 0;
    // Official GradNorm code style (Huang et al. 2021): per image at batch 1, forward, KL(uniform ||
    // softmax(z/T)) loss, backward through the WHOLE network, read the last layer's weight gradient
    // and take its L1 norm. A timing probe on a small subset of the ID set.
    double fullBackward = kNaN;
    std::size_t fullBackwardImages = 0;
    // Closed-form gradient method id ("gradnorm") -> s/image of its autograd variant, last layer,
    // per sample, from the features.
    std::map<std::string, double> autograd;
    std::size_t autogradImages = 0;
    // Gradient method id -> s/image of the closed form from the cached features.
    std::map<std::string, double> closedForm;
    std::size_t closedFormImages = 0;
    std::string note; // what was not measured and why; how many images each probe used
};

// A run hands over a partial result after each OOD set it extracts (the ID set and the OOD sets
// done so far, scored with the closed-form methods only, no bootstrap) and one final result at its
// end. Dataset indices are the same in both: a set not extracted yet has an error and empty scores.
struct RunResult {
    bool partial = false;                 // more datasets or methods follow in this run
    RunConfig config;                     // what was asked
    std::vector<DatasetSummary> datasets; // same order as config.datasets and the inner vectors of scores
    int idIndex = -1;
    std::vector<std::size_t> oodIndices; // datasets that are OOD sets and were extracted
    std::vector<std::string> methods;    // methods scored, in the configured order
    ScoreTable scores;                   // scores[method][dataset], higher = more ID
    std::vector<MetricsRow> metrics;     // one row per (method, usable OOD set)
    std::vector<RunWarning> warnings;    // skipped images, failed OOD sets, metrics left out
    std::map<std::string, std::string> fitNotes; // what each fitted method's fit found
    double seconds = 0;                  // wall time of the run
    // Per-image costs of the gradient scores (final results only; RunConfig::costProbeImages).
    ScoringCosts costs;
    // The sweeps asked for (RunConfig::sweeps), final results only. With RunConfig::applySweeps the
    // chosen values are in `params`.
    std::vector<SweepResult> sweeps;
    // Per-image data of every dataset (same order as `datasets`; empty sets for failed ones):
    // paths, labels, dataset indices, logits and penultimate features. Shared, immutable.
    std::vector<std::shared_ptr<const FeatureSet>> features;
    Head head;               // the model's final linear layer (for decompositions)
    ModelInfo model;         // what discovery found
    PreprocessSpec preprocess; // the preprocessing used, resolved
    ResolvedPreprocess preprocessOrigin; // where each of its values came from, and what was guessed
    ScoreParams params;      // the parameters the scores were computed with
    // Names of the model's classes, index = predicted class; empty when unknown. Precedence: the
    // model's own list (its sidecar's "classes", else classes.txt next to it: findModelClassNames),
    // since predictions index the model's classes; failing that, the ID set's class names when it
    // has exactly one per model class (its labels are compared with the predictions, so they index
    // the same classes).
    std::vector<std::string> classNames;
    std::string classNamesSource; // the file, or "ID set <name>"; empty when unknown

    // The one definition of an ID class label: a label is compared with the model's prediction
    // (correct / "(wrong)", the accuracy, the true-class filter) only when it belongs to the ID
    // set and is one of the model's classes. Labels of OOD and fit sets name their own classes
    // (their folders, their files), never the model's, however they are numbered or named.
    bool isIdClassLabel(std::size_t dataset, int label) const
    {
        return idIndex >= 0 && dataset == static_cast<std::size_t>(idIndex) && label >= 0 && label < model.classes;
    }
    // Name of model class `cls`, empty when unknown.
    std::string className(int cls) const
    {
        return cls >= 0 && static_cast<std::size_t>(cls) < classNames.size() ? classNames[cls] : std::string();
    }
    // Name of `label` in dataset `dataset`: the dataset's own name for it; for an ID class label
    // without one, the model's class name. Empty when unknown.
    std::string labelName(std::size_t dataset, int label) const
    {
        if (label < 0 || dataset >= datasets.size())
            return {};
        const std::vector<std::string>& own = datasets[dataset].classNames;
        if (static_cast<std::size_t>(label) < own.size() && !own[label].empty())
            return own[label];
        return isIdClassLabel(dataset, label) ? className(label) : std::string();
    }

    // Scores of `method` on dataset `index`; empty when either is unknown.
    const std::vector<double>& scoresOf(const std::string& method, std::size_t index) const
    {
        static const std::vector<double> none;
        const auto it = scores.find(method);
        if (it == scores.end() || index >= it->second.size())
            return none;
        return it->second[index];
    }
    // The metrics row of (method, OOD set name), or nullptr.
    const MetricsRow* metricsOf(const std::string& method, const std::string& ood) const
    {
        for (const MetricsRow& row : metrics)
            if (row.method == method && row.ood == ood)
                return &row;
        return nullptr;
    }
};

using RunResultPtr = std::shared_ptr<const RunResult>;

} // namespace oodlens
