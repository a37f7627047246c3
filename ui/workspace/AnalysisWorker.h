// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace oodlens::ui {

// Lives on the analysis thread and forwards one run at a time into the engine (PlotJuggler's
// FetchWorker pattern). It keeps its oodlens::Pipeline between runs: a run with the same model,
// preprocessing and device reuses the loaded model and every extracted dataset, extracts only the
// datasets it has not seen, and rescores from the kept features. Changing a parameter or the
// methods therefore never runs the model again. Every signal carries the run's id so that the
// receiver can drop reports of a run it no longer waits for.
class AnalysisWorker : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;
    ~AnalysisWorker() override;

    // Runs on the calling thread until done; emits exactly one of finished / failed / cancelled,
    // preceded by a `partialResult` after each OOD set extracted in this run (see RunResult).
    // `cancel` is polled by the engine; setting it from any thread stops the run at the next batch.
    // `bootstrapResamples` > 0 adds seeded bootstrap intervals to every metrics row.
    void run(quint64 runId, const oodlens::RunConfig& config, std::shared_ptr<const std::atomic<bool>> cancel,
             int bootstrapResamples = 0);

    // How often this worker loaded a model, extracted a dataset (from the cache or not), and ran
    // the model over a dataset (extractions that did not come from the cache). Readable from any thread.
    int modelLoads() const { return modelLoads_.load(); }
    int extractions() const { return extractions_.load(); }
    int modelPasses() const { return modelPasses_.load(); }

signals:
    // `total` 0 means "busy, no count" (loading the model, closed-form scoring).
    void progress(quint64 runId, const QString& stage, qulonglong done, qulonglong total);
    // One dataset is extracted (or failed: summary.error says why); the run goes on.
    void datasetFinished(quint64 runId, oodlens::DatasetSummary summary);
    // The ID set and the OOD sets extracted so far, scored with the closed-form methods (partial set).
    void partialResult(quint64 runId, oodlens::RunResultPtr result);
    void finished(quint64 runId, oodlens::RunResultPtr result);
    void failed(quint64 runId, const QString& message);
    void cancelled(quint64 runId);

private:
    // Makes analysis_ match `config`: reuses it when the model side is unchanged (adding and
    // removing datasets, setting methods and parameters), builds a new one otherwise.
    void prepare(const oodlens::RunConfig& config);

    std::unique_ptr<Pipeline> analysis_;
    std::atomic<int> modelLoads_{0};
    std::atomic<int> extractions_{0};
    std::atomic<int> modelPasses_{0};
};

} // namespace oodlens::ui
