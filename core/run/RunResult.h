// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

// What the GUI keeps of one extracted dataset: enough to label plots and explain failures.
struct DatasetSummary {
    std::string name; // display name ("mnist-test-2000", "fashion-mnist")
    std::string path; // what the user gave (file or folder)
    DatasetRole role = DatasetRole::Ood;
    std::string kind;        // dataset format, empty when it failed to open
    std::size_t items = 0;   // items in the dataset
    std::size_t rows = 0;    // items scored (unreadable ones are left out)
    std::size_t skipped = 0; // unreadable items
    std::string error;       // non-empty when the dataset failed or was not needed
    bool fromCache = false;  // features came from the feature cache; the model did not run
};

// Everything one run hands to the GUI. Immutable once built: the worker thread creates it and the
// GUI thread reads it through a shared_ptr<const>, so no locking is needed. A run hands over a
// partial result after each OOD set it extracts (the ID set and the OOD sets done so far, scored
// with the closed-form methods only, no bootstrap) and one final result at its end. Dataset
// indices are the same in both: a set not extracted yet has an error and empty scores.
struct RunResult {
    bool partial = false;                 // more datasets or methods follow in this run
    std::vector<DatasetSummary> datasets; // same order as the inner vectors of `scores`
    int idIndex = -1;
    std::vector<std::size_t> oodIndices; // datasets that are OOD sets and were extracted
    std::vector<std::string> methods;    // methods scored, in the configured order
    ScoreTable scores;                   // scores[method][dataset], higher = more ID
    std::vector<MetricsRow> metrics;     // one row per (method, OOD set)
    std::vector<std::string> warnings;   // skipped images, failed OOD sets, metrics left out
    double seconds = 0;                  // wall time of the run
    // Per-image data of every dataset (same order as `datasets`; empty sets for failed ones):
    // paths, labels, dataset indices, logits and penultimate features. Shared, immutable.
    std::vector<std::shared_ptr<const FeatureSet>> features;
    Head head;                           // the model's final linear layer (for decompositions)
    ModelInfo model;                     // what discovery found
    ScoreParams params;                  // the parameters the scores were computed with

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
