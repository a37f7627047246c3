// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"
#include "features/Extraction.h"
#include "features/FeatureCache.h"
#include "features/FeatureSet.h"
#include "metrics/Metrics.h"
#include "features/Preprocess.h"
#include "methods/Scores.h"

#include <functional>
#include <mutex>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

enum class DatasetRole { Id, Ood, Fit };
const char* datasetRoleName(DatasetRole role);

struct DatasetSpec {
    std::string name; // "id" for the ID test set; the OOD set's display name otherwise
    std::string path;
    DatasetRole role = DatasetRole::Ood;
};

// Everything a run needs; the CLI fills it from arguments, the GUI from its docks.
struct RunConfig {
    std::string modelPath;
    std::vector<DatasetSpec> datasets;
    std::vector<std::string> methods; // empty = every method that applies
    ScoreParams params;
    PreprocessSpec preprocess;        // unset fields come from the model's hint
    int batchSize = 128;
    int threads = 0;                  // 0 = all cores
    std::string device = "cpu";
    // Feature cache folder (see FeatureCache.h); empty disables the cache.
    std::string cacheDir = FeatureCache::defaultDirectory();
};

// The outcome of extracting one dataset: features or an error message, never both.
struct DatasetResult {
    DatasetSpec spec;
    std::string kind;   // dataset format
    std::size_t items = 0;
    // Shared and immutable once extracted, so views on other threads can keep it while the
    // analysis goes on (a re-extraction replaces the pointer, never the data behind it).
    std::shared_ptr<const FeatureSet> featureSet = std::make_shared<FeatureSet>();
    const FeatureSet& features() const { return *featureSet; }
    std::string fingerprint; // dataset content fingerprint (cache key input)
    bool fromCache = false;  // features were read from the feature cache, the model did not run
    std::string error;  // non-empty when this dataset failed; the others go on
    bool ok() const { return error.empty(); }
};

// Scores of every method for every dataset, in DatasetResult order: scores[method][dataset].
using ScoreTable = std::map<std::string, std::vector<std::vector<double>>>;

struct MetricsRow {
    std::string method;
    std::string ood;
    BinaryMetrics metrics;
    bool hasIntervals = false; // bootstrap CIs computed
    BootstrapIntervals intervals;
};

// One analysis session: a model, its extracted datasets, and everything derived from them.
// Extraction is the only expensive step; scores and metrics derive from the kept features.
class Pipeline {
public:
    // Loads the model (throws Error naming the file if it cannot be used).
    explicit Pipeline(RunConfig config);
    ~Pipeline();

    const RunConfig& config() const { return config_; }
    const Classifier& model() const { return *model_; }
    const PreprocessSpec& preprocess() const { return preprocess_; }

    // Extracts every dataset in turn. A dataset that fails is recorded with its error and the run
    // goes on; Cancelled propagates (results of finished datasets are kept). `onDataset` is called
    // after each dataset with its index in results().
    void extractAll(ProgressSink* sink, const std::function<void(std::size_t)>& onDataset = {});
    // Extracts dataset i of the config (already-extracted ones are kept).
    void extract(std::size_t i, ProgressSink* sink);

    // Editing a session without reloading the model. Scores derive from the kept features, so
    // changing parameters or methods never runs the model again.
    void setParams(const ScoreParams& params);
    void setMethods(const std::vector<std::string>& methods);
    // Adds a dataset (not yet extracted; call extract()) and returns its index.
    std::size_t addDataset(const DatasetSpec& spec);
    void removeDataset(std::size_t index);

    const std::vector<DatasetResult>& results() const { return results_; }
    // Index of the ID test set result, or -1.
    int idIndex() const;
    std::vector<std::size_t> oodIndices() const;

    // Methods to compute: the configured list, or every registered method that applies (the
    // fitted baselines only when a fit set is configured).
    std::vector<std::string> methods() const;
    // Index of the fit set result, or -1.
    int fitIndex() const;
    // The fitted statistics of a baseline (fitted on first use, then reused until the fit set or
    // the method's parameters change). Throws Error when there is no usable fit set.
    std::shared_ptr<const class FittedScorer> fitted(const std::string& method, ProgressSink* sink = nullptr) const;

    // Scores of one method on one extracted dataset (empty when it failed).
    std::vector<double> scores(const std::string& method, std::size_t dataset, ProgressSink* sink = nullptr) const;
    ScoreTable scoreTable(const std::vector<std::string>& methods, ProgressSink* sink = nullptr) const;
    // One row per (method, OOD set) that both succeeded; skips methods whose scores are missing.
    // With bootstrapResamples > 0, adds seeded 95% bootstrap intervals to every row.
    std::vector<MetricsRow> metricsTable(const ScoreTable& table, int bootstrapResamples = 0,
                                         unsigned long long bootstrapSeed = 0) const;

    // ODIN scores of dataset i at the configured T and eps: a pass over the images with one input
    // backward per batch, kept in memory and in the feature cache like the features.
    std::vector<double> odinScores(std::size_t dataset, ProgressSink* sink = nullptr) const;

private:
    RunConfig config_;
    std::unique_ptr<Classifier> model_;
    PreprocessSpec preprocess_;
    std::vector<DatasetResult> results_;
    mutable std::mutex fittedMutex_;
    mutable std::map<std::string, std::shared_ptr<const class FittedScorer>> fitted_;
    mutable std::map<std::string, std::vector<double>> odin_; // cache key -> scores
};

} // namespace oodlens
