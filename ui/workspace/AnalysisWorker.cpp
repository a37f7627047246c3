// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/AnalysisWorker.h"

#include "common/Error.h"
#include "datasets/Dataset.h"
#include "model/Classifier.h"
#include "workspace/CancellableProgressSink.h"

#include <exception>
#include <map>
#include <string>

namespace oodlens::ui {

AnalysisWorker::AnalysisWorker() : pipeline_(std::make_unique<Pipeline>()) {}
AnalysisWorker::~AnalysisWorker() = default;

int AnalysisWorker::modelLoads() const { return pipeline_->modelLoads(); }
int AnalysisWorker::extractions() const { return pipeline_->extractions(); }
int AnalysisWorker::modelPasses() const { return pipeline_->modelPasses(); }

void AnalysisWorker::run(quint64 runId, const RunConfig& config, std::shared_ptr<const std::atomic<bool>> cancel)
{
    CancellableProgressSink observer(std::move(cancel), [this, runId](const RunProgress& p) {
        emit progress(runId, p.dataset, QString::fromStdString(p.label), p.done, p.total);
    });
    std::map<std::string, std::string> names;
    for (const DatasetSpec& spec : config.datasets)
        names[spec.path] = datasetLabel(spec);
    observer.setPathNames(names);
    observer.onDatasetFinished = [this, runId](std::size_t i, const DatasetSummary& summary) {
        emit datasetFinished(runId, static_cast<int>(i), summary);
    };
    observer.onPartialResult = [this, runId](RunResultPtr result) { emit partialResult(runId, std::move(result)); };
    try {
        RunResultPtr result = pipeline_->run(config, &observer);
        emit finished(runId, std::move(result));
    } catch (const Cancelled&) {
        emit cancelled(runId);
    } catch (const Error& e) {
        emit failed(runId, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        // Anything else is a bug, but the GUI must survive it and say what happened.
        emit failed(runId, tr("internal error: %1").arg(QString::fromStdString(e.what())));
    }
}

void AnalysisWorker::inspectModel(quint64 requestId, const QString& path, const QString& device,
                                  const std::vector<int>& probe)
{
    try {
        const std::unique_ptr<Classifier> model = Classifier::load(path.toStdString(), device.toStdString(), probe);
        emit modelInspected(requestId, path, model->info());
    } catch (const std::exception& e) {
        emit modelRefused(requestId, path, QString::fromStdString(e.what()));
    }
}

} // namespace oodlens::ui
