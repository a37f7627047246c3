// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/AnalysisRunner.h"

#include "workspace/AnalysisWorker.h"

namespace oodlens::ui {

AnalysisRunner::AnalysisRunner(QObject* parent) : QObject(parent), thread_(new QThread), worker_(new AnalysisWorker)
{
    qRegisterMetaType<RunResultPtr>("oodlens::RunResultPtr");
    qRegisterMetaType<DatasetSummary>("oodlens::DatasetSummary");
    qRegisterMetaType<ModelInfo>("oodlens::ModelInfo");
    thread_->setObjectName(QStringLiteral("oodlens-analysis"));
    worker_->moveToThread(thread_);

    connect(
        worker_, &AnalysisWorker::progress, this,
        [this](quint64 id, int dataset, const QString& stage, qulonglong done, qulonglong total) {
            if (isCurrent(id))
                emit progress(dataset, stage, done, total);
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::datasetFinished, this,
        [this](quint64 id, int dataset, const DatasetSummary& summary) {
            if (isCurrent(id))
                emit datasetFinished(dataset, summary);
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::partialResult, this,
        [this](quint64 id, RunResultPtr result) {
            if (isCurrent(id))
                emit partialResult(std::move(result));
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::finished, this,
        [this](quint64 id, RunResultPtr result) {
            if (!isCurrent(id))
                return;
            running_ = false;
            emit finished(std::move(result));
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::failed, this,
        [this](quint64 id, const QString& message) {
            if (!isCurrent(id))
                return;
            running_ = false;
            emit failed(message);
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::cancelled, this,
        [this](quint64 id) {
            if (!isCurrent(id))
                return;
            running_ = false;
            emit cancelled();
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::modelInspected, this,
        [this](quint64 id, const QString& path, const ModelInfo& info) {
            if (id != inspectId_)
                return;
            inspecting_ = false;
            emit modelInspected(path, info);
        },
        Qt::QueuedConnection);
    connect(
        worker_, &AnalysisWorker::modelRefused, this,
        [this](quint64 id, const QString& path, const QString& message) {
            if (id != inspectId_)
                return;
            inspecting_ = false;
            emit modelRefused(path, message);
        },
        Qt::QueuedConnection);
    thread_->start();
}

void AnalysisRunner::inspectModel(const QString& path, const QString& device, const std::vector<int>& probe)
{
    const quint64 id = ++inspectId_;
    inspecting_ = true;
    AnalysisWorker* worker = worker_;
    QMetaObject::invokeMethod(
        worker_, [worker, id, path, device, probe]() { worker->inspectModel(id, path, device, probe); },
        Qt::QueuedConnection);
}

AnalysisRunner::~AnalysisRunner()
{
    if (cancel_)
        cancel_->store(true);
    thread_->quit();
    if (thread_->wait(kShutdownWaitMs)) {
        // The thread has stopped: nothing else can touch the worker now.
        delete worker_;
        delete thread_;
        return;
    }
    // Still inside one long step: let it end by itself (its reports go nowhere, the cancel flag
    // stops it at the next check) and free both once it has; the process may exit before that.
    qWarning("oodlens: the analysis thread is still finishing a step; not waiting for it");
    QObject::connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);
    QObject::connect(thread_, &QThread::finished, thread_, &QObject::deleteLater);
    worker_->disconnect(this);
}

bool AnalysisRunner::start(RunConfig config, int bootstrapResamples)
{
    if (bootstrapResamples > 0)
        config.bootstrap = bootstrapResamples;
    if (running_)
        return false;
    const quint64 id = ++runId_;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    running_ = true;
    std::shared_ptr<const std::atomic<bool>> token = cancel_;
    AnalysisWorker* worker = worker_;
    QMetaObject::invokeMethod(
        worker_,
        [worker, id, config = std::move(config), token]() { worker->run(id, config, token); },
        Qt::QueuedConnection);
    return true;
}

void AnalysisRunner::cancel()
{
    if (running_ && cancel_)
        cancel_->store(true);
}

int AnalysisRunner::modelLoads() const
{
    return worker_->modelLoads();
}

int AnalysisRunner::extractions() const
{
    return worker_->extractions();
}

int AnalysisRunner::modelPasses() const
{
    return worker_->modelPasses();
}

bool AnalysisRunner::isCancelRequested() const
{
    return running_ && cancel_ && cancel_->load();
}

} // namespace oodlens::ui
