// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/RunController.h"

#include "common/Error.h"
#include "run/Demo.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"

#include <QFileInfo>
#include <QStringList>

namespace oodlens::ui {

namespace {

constexpr int kMaxWarningsInTooltip = 20;
constexpr int kBootstrapResamples = 1000;

// "1 of 2 OOD sets, closed-form methods": how much of the run a partial result covers.
QString partialExtent(const RunResult& r)
{
    int oodSets = 0;
    for (const DatasetSummary& d : r.datasets)
        oodSets += d.role == DatasetRole::Ood;
    return RunController::tr("%1 of %2 OOD sets, closed-form methods").arg(r.oodIndices.size()).arg(oodSets);
}

} // namespace

RunController::RunController(Workspace* workspace, std::function<RunConfig()> configFactory, QObject* parent)
    : QObject(parent), workspace_(workspace), runner_(new AnalysisRunner(this)), configFactory_(std::move(configFactory))
{
    connect(runner_, &AnalysisRunner::progress, this,
            [this](int, const QString& stage, qulonglong done, qulonglong total) { emit runProgress(stage, done, total); });
    connect(runner_, &AnalysisRunner::partialResult, this, &RunController::showResult);
    connect(runner_, &AnalysisRunner::finished, this, &RunController::onFinished);
    connect(runner_, &AnalysisRunner::failed, this, &RunController::onFailed);
    connect(runner_, &AnalysisRunner::cancelled, this, &RunController::onCancelled);
    connect(runner_, &AnalysisRunner::modelInspected, this, [this](const QString& path, const ModelInfo& info) {
        workspace_->setModel(path, info);
        emit status(tr("Opened %1: %2 classes, %3 features").arg(QFileInfo(path).fileName()).arg(info.classes).arg(info.featureDim),
                    false, QString());
        emit modelOpened(path);
    });
    connect(runner_, &AnalysisRunner::modelRefused, this, [this](const QString& path, const QString& message) {
        emit status(tr("Cannot use %1: %2").arg(QFileInfo(path).fileName(), message), true, message);
        emit modelRefused(path, message);
    });
    // Every edit of the analysis reruns it, once it has run (see the class comment).
    connect(workspace_, &Workspace::analysisEdited, this, &RunController::requestRescore);
}

void RunController::openModel(const QString& path)
{
    if (runner_->isRunning())
        cancelRun();
    emit status(tr("Loading %1…").arg(QFileInfo(path).fileName()), false, QString());
    runner_->inspectModel(path, QString::fromStdString(workspace_->config().device));
}

RunController::~RunController()
{
    // The runner (a child) waits for its thread; make sure the engine is already stopping.
    runner_->cancel();
}

bool RunController::isRunning() const
{
    return runner_->isRunning();
}

void RunController::ensureConfig()
{
    if (workspace_->isConfigured())
        return;
    RunConfig config = configFactory_ ? configFactory_() : demoConfig();
    // The factory's methods, else the ones checked so far.
    if (config.methods.empty())
        config.methods = workspace_->config().methods;
    workspace_->setConfig(std::move(config));
}

bool RunController::startRun()
{
    if (runner_->isRunning())
        return false;
    try {
        ensureConfig();
    } catch (const Error& e) {
        const QString message = QString::fromStdString(e.what());
        emit status(tr("Cannot start the analysis: %1").arg(message), true, QString());
        emit runFailed(message);
        return false;
    }
    if (workspace_->config().methods.empty()) {
        const QString message = tr("Check at least one method in the Methods dock");
        emit status(message, true, QString());
        emit runFailed(message);
        return false;
    }
    if (!runner_->start(workspace_->config(), bootstrap_ ? kBootstrapResamples : 0))
        return false;
    rerunPending_ = false;
    live_ = true;
    setRunning(true);
    emit status(tr("Running the analysis\u2026"), false, QString());
    emit runStarted();
    return true;
}

void RunController::requestRescore()
{
    if (!live_ || !autoRun_)
        return;
    if (runner_->isRunning()) {
        rerunPending_ = true;
        return;
    }
    startRun();
}

void RunController::cancelRun()
{
    rerunPending_ = false;
    if (!runner_->isRunning() || runner_->isCancelRequested())
        return;
    runner_->cancel();
    emit cancelling();
    emit status(tr("Cancelling\u2026"), false, QString());
}

void RunController::setBootstrap(bool on)
{
    if (on == bootstrap_)
        return;
    bootstrap_ = on;
    requestRescore();
}

void RunController::setRunning(bool running)
{
    emit runningChanged(running);
}

void RunController::onFinished(RunResultPtr result)
{
    setRunning(false);
    showResult(std::move(result));
    emit runFinished();
    if (rerunPending_)
        startRun();
}

void RunController::showResult(RunResultPtr result)
{
    if (!result || !workspace_->madeWithCurrentModel(*result))
        return;
    workspace_->setResult(result);
    const RunResult& r = *result;
    const DatasetSummary& id = r.datasets[static_cast<std::size_t>(r.idIndex)];
    std::size_t oodImages = 0;
    bool fromCache = id.fromCache;
    for (std::size_t i : r.oodIndices) {
        oodImages += r.datasets[i].rows;
        fromCache = fromCache && r.datasets[i].fromCache;
    }
    QString text = tr("Scored %1 ID and %2 OOD images with %3 methods in %4 s")
                       .arg(id.rows)
                       .arg(oodImages)
                       .arg(r.methods.size())
                       .arg(r.seconds, 0, 'f', 1);
    if (r.partial)
        text = tr("%1 so far (%2); the run goes on\u2026").arg(text, partialExtent(r));
    else if (fromCache)
        text += tr(" (features from the cache)");
    // What of the preprocessing is a guess, in the one line everybody sees.
    if (const std::string guess = r.preprocessOrigin.guessSummary(); !guess.empty())
        text += tr("; guessed %1: see the Preprocessing dock").arg(QString::fromStdString(guess));
    if (r.warnings.empty()) {
        emit status(text, false, QString());
        return;
    }
    QStringList lines;
    for (std::size_t i = 0; i < r.warnings.size() && i < kMaxWarningsInTooltip; ++i)
        lines << QString::fromStdString(r.warnings[i].message);
    if (r.warnings.size() > kMaxWarningsInTooltip)
        lines << tr("\u2026 and %1 more").arg(r.warnings.size() - kMaxWarningsInTooltip);
    emit status(text + tr(" (%n warning(s), hover for details)", nullptr, static_cast<int>(r.warnings.size())), false,
                lines.join(QLatin1Char('\n')));
}

void RunController::onFailed(const QString& message)
{
    setRunning(false);
    rerunPending_ = false;
    const RunResultPtr r = workspace_->result();
    if (r && r->partial)
        emit status(tr("Run failed: %1 (showing the partial results: %2)").arg(message, partialExtent(*r)), true,
                    QString());
    else
        emit status(tr("Run failed: %1").arg(message), true, QString());
    emit runFailed(message);
}

void RunController::onCancelled()
{
    setRunning(false);
    rerunPending_ = false;
    // What the run already scored stays: a partial result of this run, else the previous one.
    const RunResultPtr r = workspace_->result();
    if (r && r->partial)
        emit status(tr("Run cancelled; showing the partial results (%1)").arg(partialExtent(*r)), false, QString());
    else
        emit status(r ? tr("Run cancelled; showing the previous results") : tr("Run cancelled"), false, QString());
    emit runCancelled();
}

} // namespace oodlens::ui
