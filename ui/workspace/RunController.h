// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <QObject>
#include <QString>

#include <functional>

namespace oodlens::ui {

class AnalysisRunner;
class Workspace;

// Runs the Workspace's analysis: starts, reruns and cancels runs through an AnalysisRunner (a
// worker thread), hands every partial and final result to the Workspace, and rescores on its own
// when an edit calls for it (a parameter, the checked methods, a removed dataset, the bootstrap
// switch) once there is a result to update: during a run the rescore waits for its end. Says what
// happened through `status`, for the status bar.
class RunController : public QObject {
    Q_OBJECT

public:
    // `configFactory` builds the analysis the first time one is needed (the window's option,
    // the demo when empty); it may throw oodlens::Error.
    RunController(Workspace* workspace, std::function<RunConfig()> configFactory, QObject* parent = nullptr);
    // Cancels a run in progress (the runner waits for its thread).
    ~RunController() override;

    AnalysisRunner* runner() const { return runner_; }
    bool isRunning() const;
    // Sets up the Workspace's analysis from the factory unless it has one; throws oodlens::Error.
    void ensureConfig();
    bool bootstrap() const { return bootstrap_; }

public Q_SLOTS:
    // Starts a run; false when one is already going on or the configuration cannot be built.
    bool startRun();
    void cancelRun();
    // Rescores with the current configuration: now, after the running one, or not at all before
    // the first result (the next run takes the change).
    void requestRescore();
    // Seeded 95% bootstrap intervals (1000 resamples) on every metric; rescores.
    void setBootstrap(bool on);
    // Shows a result of a run (what a run's partial and final results do).
    void showResult(oodlens::RunResultPtr result);

Q_SIGNALS:
    void runStarted();
    // Throttled progress of the running analysis (at most ~20 per second, plus stage changes).
    void runProgress(const QString& stage, qulonglong done, qulonglong total);
    void runFinished();
    void runFailed(const QString& message);
    void runCancelled();
    // Started, or ended in any way.
    void runningChanged(bool running);
    // A cancel was asked for; the run stops at its next batch.
    void cancelling();
    // `details` (the tooltip) lists what the text only counts (warnings).
    void status(const QString& text, bool error, const QString& details);

private:
    void onFinished(RunResultPtr result);
    void onFailed(const QString& message);
    void onCancelled();
    void setRunning(bool running);

    Workspace* workspace_;
    AnalysisRunner* runner_;
    std::function<RunConfig()> configFactory_;
    bool bootstrap_ = false;
    bool rerunPending_ = false;
};

} // namespace oodlens::ui
