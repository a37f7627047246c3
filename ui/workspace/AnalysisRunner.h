// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

namespace oodlens::ui {

class AnalysisWorker;

// The GUI thread's handle on the analysis thread: owns the QThread and its AnalysisWorker, starts
// runs, cancels them through an atomic flag the engine polls, and re-emits the current run's
// reports on the GUI thread. Reports of an older run are dropped.
class AnalysisRunner : public QObject {
    Q_OBJECT

public:
    explicit AnalysisRunner(QObject* parent = nullptr);
    // Cancels a run in progress and waits for the thread: the engine stops at its next batch,
    // resample or row block. Should that take longer than kShutdownWait (one huge batch on a slow
    // device), the thread is left to finish on its own rather than hang the closing window.
    ~AnalysisRunner() override;
    static constexpr int kShutdownWaitMs = 5000;

    // Starts a run on the analysis thread; false (and nothing happens) while one is going on.
    // The worker keeps what it extracted: a run that only changes methods, parameters or adds
    // datasets to the same model rescores from kept features (see AnalysisWorker).
    bool start(oodlens::RunConfig config, int bootstrapResamples = 0);
    // Loads and checks a model on the analysis thread (after a run in progress, if any): one of
    // modelInspected / modelRefused follows, for the latest request only.
    void inspectModel(const QString& path, const QString& device = QStringLiteral("cpu"),
                      const std::vector<int>& probe = {});
    bool isInspecting() const { return inspecting_; }

    // Asks the run to stop; `cancelled` follows once the engine has noticed. No-op when idle.
    void cancel();
    bool isRunning() const { return running_; }
    bool isCancelRequested() const;
    // Counters of the worker (see AnalysisWorker): the model loads, dataset extractions and
    // model passes over a dataset since the runner was made.
    int modelLoads() const;
    int extractions() const;
    int modelPasses() const;

signals:
    // `dataset` indexes the datasets of the config the current run was started with (-1: none).
    void progress(int dataset, const QString& stage, qulonglong done, qulonglong total);
    void datasetFinished(int dataset, const oodlens::DatasetSummary& summary);
    // After each OOD set of the current run (result->partial); `finished` follows with the whole.
    void partialResult(oodlens::RunResultPtr result);
    void finished(oodlens::RunResultPtr result);
    void failed(const QString& message);
    void cancelled();
    void modelInspected(const QString& path, const oodlens::ModelInfo& info);
    void modelRefused(const QString& path, const QString& message);

private:
    bool isCurrent(quint64 runId) const { return running_ && runId == runId_; }

    QThread* thread_; // on the heap: see ~AnalysisRunner
    AnalysisWorker* worker_ = nullptr;
    quint64 runId_ = 0;
    quint64 inspectId_ = 0;
    bool inspecting_ = false;
    bool running_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
};

} // namespace oodlens::ui
