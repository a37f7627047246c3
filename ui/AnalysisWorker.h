// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "AnalysisResult.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace oodlens::ui {

// Lives on the analysis thread and forwards one run at a time into the engine (PlotJuggler's
// FetchWorker pattern): load the model, extract every dataset, score every method once, compute
// the metrics, and hand the result over. Every signal carries the run's id so that the receiver
// can drop reports of a run it no longer waits for.
class AnalysisWorker : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    // Runs on the calling thread until done; emits exactly one of finished / failed / cancelled.
    // `cancel` is polled by the engine; setting it from any thread stops the run at the next batch.
    void run(quint64 runId, const oodlens::AnalysisConfig& config, std::shared_ptr<const std::atomic<bool>> cancel);

signals:
    // `total` 0 means "busy, no count" (loading the model, closed-form scoring).
    void progress(quint64 runId, const QString& stage, qulonglong done, qulonglong total);
    void finished(quint64 runId, oodlens::ui::AnalysisResultPtr result);
    void failed(quint64 runId, const QString& message);
    void cancelled(quint64 runId);
};

} // namespace oodlens::ui
