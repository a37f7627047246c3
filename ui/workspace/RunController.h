// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <QObject>
#include <QString>

#include <functional>

namespace oodlens::ui {

class AnalysisRunner;
class Workspace;

// Runs the Workspace's analysis: opens and checks models, starts, reruns and cancels runs through
// an AnalysisRunner (a worker thread), and hands every partial and final result to the Workspace.
//
// When runs start is one rule: nothing runs before the first run (the Run action, the window's
// autorun, an opened session); after it, with auto-run on (the default, Analysis > Run on every
// change), every edit of the analysis reruns it: the model, the preprocessing, a dataset added or
// removed (ID, OOD or fit), the checked methods, a parameter, the bootstrap switch. During a run
// the rerun waits for its end. Reruns are cheap where little changed: the worker keeps the model
// and every extracted dataset. A result made with another model or preprocessing than the
// configured one is never shown. Says what happened through `status`, for the status bar.
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
    // Whether an edit reruns the analysis once it has run (see above).
    bool autoRun() const { return autoRun_; }
    void setAutoRun(bool on) { autoRun_ = on; }
    // Whether a run was started since the window opened (edits rerun from then on).
    bool hasRun() const { return live_; }

public Q_SLOTS:
    // Starts a run; false when one is already going on or the configuration cannot be built.
    bool startRun();
    void cancelRun();
    // Rescores with the current configuration: now, after the running one, or not at all before
    // the first result (the next run takes the change).
    void requestRescore();
    // Seeded 95% bootstrap intervals (1000 resamples) on every metric; rescores.
    void setBootstrap(bool on);
    // Shows a result of a run (what a run's partial and final results do); a result of another
    // model side than the configured one is dropped (the rerun for the edit follows).
    void showResult(oodlens::RunResultPtr result);
    // Loads and checks a model on the worker thread. A usable one becomes the Workspace's model
    // (Workspace::setModel: its own preprocessing, the old result cleared), and `modelOpened`
    // follows; a file that is not a usable classifier leaves the previous model, and
    // `modelRefused` says why. A run in progress is cancelled first (its result would be stale).
    void openModel(const QString& path);

Q_SIGNALS:
    void runStarted();
    // Throttled progress of the running analysis (at most ~20 per second, plus stage changes).
    void runProgress(const QString& stage, qulonglong done, qulonglong total);
    void runFinished();
    void runFailed(const QString& message);
    void modelOpened(const QString& path);
    void modelRefused(const QString& path, const QString& message);
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
    bool autoRun_ = true;
    bool live_ = false;
};

} // namespace oodlens::ui
