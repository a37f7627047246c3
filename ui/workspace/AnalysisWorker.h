// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace oodlens {
class Pipeline;
}

namespace oodlens::ui {

// Lives on the analysis thread and forwards one run at a time into the engine's Pipeline
// (PlotJuggler's FetchWorker pattern). The Pipeline is kept between runs, so a run that changes
// only methods, parameters or datasets reuses the loaded model and every extracted dataset (see
// Pipeline). Every signal carries the run's id so that the receiver can drop reports of a run it
// no longer waits for; dataset indices are those of the run's config.
class AnalysisWorker : public QObject {
    Q_OBJECT

public:
    AnalysisWorker();
    ~AnalysisWorker() override;

    // Runs on the calling thread until done; emits exactly one of finished / failed / cancelled,
    // preceded by a `partialResult` after each OOD set extracted in this run (see RunResult).
    // `cancel` is polled by the engine; setting it from any thread stops the run at the next batch.
    void run(quint64 runId, const oodlens::RunConfig& config, std::shared_ptr<const std::atomic<bool>> cancel);

    // Loads and checks a model (Classifier::load) and reports what was found, or why it cannot be
    // used: modelInspected or modelRefused. Does not touch the pipeline's state.
    void inspectModel(quint64 requestId, const QString& path, const QString& device, const std::vector<int>& probe);

    // See Pipeline::modelLoads() and friends. Readable from any thread.
    int modelLoads() const;
    int extractions() const;
    int modelPasses() const;

signals:
    // `dataset` is the index of the dataset in the run's config, -1 when the stage has none;
    // `total` 0 means "busy, no count" (loading the model, closed-form scoring).
    void progress(quint64 runId, int dataset, const QString& stage, qulonglong done, qulonglong total);
    // Dataset `index` is extracted (or failed: summary.error says why); the run goes on.
    void datasetFinished(quint64 runId, int index, oodlens::DatasetSummary summary);
    void partialResult(quint64 runId, oodlens::RunResultPtr result);
    void finished(quint64 runId, oodlens::RunResultPtr result);
    void failed(quint64 runId, const QString& message);
    void cancelled(quint64 runId);
    void modelInspected(quint64 requestId, const QString& path, const oodlens::ModelInfo& info);
    void modelRefused(quint64 requestId, const QString& path, const QString& message);

private:
    std::unique_ptr<Pipeline> pipeline_;
};

} // namespace oodlens::ui
