// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one engine pipeline: RunConfig in, an immutable RunResult out. The CLI's score, demo and
// figures, the GUI's worker thread, the benchmarks and the test fixtures all run through it.
#include "common/Progress.h"
#include "metrics/Deployment.h"
#include "run/RunConfig.h"
#include "run/RunResult.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oodlens {

// Where a run is: the stage, the dataset it works on (index into the config's datasets, -1 for
// none), the method (empty for none) and work units done of total (0 total: busy, no count).
enum class RunStage { LoadModel, Extract, Fit, Score, Images, Metrics, Cost, Sweep };
const char* runStageName(RunStage stage);
struct RunProgress {
    RunStage stage = RunStage::LoadModel;
    int dataset = -1;
    std::string method;
    std::size_t done = 0, total = 0;
    std::string label; // one line for people ("extracting fashion-mnist")
};

// What a caller hears while a run goes on. Calls come from the pipeline's thread.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void progress(const RunProgress&) {}
    virtual void warning(const RunWarning&) {}
    // Dataset `index` was extracted (or failed: summary.error says why); the run goes on.
    virtual void datasetFinished(std::size_t /*index*/, const DatasetSummary&) {}
    // The ID set and the OOD sets extracted so far, closed-form methods only (result->partial).
    virtual void partialResult(RunResultPtr) {}
    virtual bool isCancelRequested() const { return false; }
};

// Runs configs one after another, keeping what does not change: a config with the same model,
// preprocessing, device, batch size and cache reuses the loaded model and every extracted dataset,
// extracts only the datasets it has not seen, keeps fitted statistics until the fit set or the
// method's parameters change, and rescores from the kept features. Changing methods, parameters
// or datasets therefore never runs the model again on a dataset it has seen.
class Pipeline {
public:
    Pipeline();
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // Throws Error when the model cannot be used, the ID set cannot be read, or no OOD set can;
    // Cancelled when the observer asks for it. A failed OOD set is in the result with its error.
    RunResultPtr run(const RunConfig& config, RunObserver* observer = nullptr);

    // Loads the model as run() does and extracts every dataset of `config` (fit and validation
    // sets too) into the feature cache, scoring nothing: `oodlens-cli extract`. With `shard`, only
    // that shard of each dataset (features/Extraction.h, extractShard). One summary per dataset in
    // the config's order; a dataset that failed has its error, and the others are still extracted.
    // Throws Error when the model cannot be used, Cancelled when the observer asks for it.
    struct Extraction {
        std::vector<DatasetSummary> datasets;                  // the config's order
        std::vector<std::shared_ptr<const FeatureSet>> features; // each dataset's rows (empty when it failed)
        Head head;                                             // the model's last layer
        std::vector<std::string> classNames;                   // the model's class names (none: empty)
    };
    Extraction extract(const RunConfig& config, const std::optional<Shard>& shard, RunObserver* observer = nullptr);

    // How often this pipeline loaded a model, extracted a dataset (from the cache or not), and ran
    // the model over a dataset (extractions that did not come from the cache). Readable from any thread.
    int modelLoads() const { return modelLoads_.load(); }
    int extractions() const { return extractions_.load(); }
    int modelPasses() const { return modelPasses_.load(); }

    struct State; // what is kept between runs (Pipeline.cpp)

private:
    // Loads the model (unless the kept one serves `config`) and keeps the extracted datasets that
    // `config` still has.
    void prepare(const RunConfig& config, RunObserver* observer);
    std::unique_ptr<State> state_;
    std::atomic<int> modelLoads_{0};
    std::atomic<int> extractions_{0};
    std::atomic<int> modelPasses_{0};
};

// The metrics table of a run: one row per (method, OOD set), OOD sets given as (dataset index in
// `table`, name). A pair whose metrics cannot be computed (every score NaN) keeps its row, with NaN
// metrics and a note, and `warn(dataset, method, message)` is told. With bootstrap > 0, seeded
// intervals; `cancel` is polled between rows and resamples. With `idCorrect` (whether each ID
// image is classified correctly, metrics/Deployment.h) the rows get CCR@FPR and AURC.
std::vector<MetricsRow> metricsRows(const std::vector<std::string>& methods, const ScoreTable& table, std::size_t id,
                                    const std::vector<std::pair<std::size_t, std::string>>& oods, int bootstrap,
                                    unsigned long long seed, const ProgressSink* cancel,
                                    const std::function<void(std::size_t, const std::string&, const std::string&)>& warn,
                                    const Correctness* idCorrect = nullptr);

// Runs `config` once with a fresh pipeline (the CLI's and the tests' way).
RunResultPtr runOnce(const RunConfig& config, RunObserver* observer = nullptr);

} // namespace oodlens
