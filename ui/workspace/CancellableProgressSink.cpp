// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/CancellableProgressSink.h"

namespace oodlens::ui {

CancellableProgressSink::CancellableProgressSink(std::shared_ptr<const std::atomic<bool>> cancel, Report report,
                                                 std::chrono::milliseconds interval)
    : cancel_(std::move(cancel)), report_(std::move(report)), interval_(interval)
{
}

std::string CancellableProgressSink::friendlyStage(const std::string& stage) const
{
    for (const auto& [path, name] : pathNames_) {
        const std::string quoted = "'" + path + "'";
        const auto at = stage.find(quoted);
        if (at != std::string::npos)
            return stage.substr(0, at) + name + stage.substr(at + quoted.size());
    }
    return stage;
}

void CancellableProgressSink::progress(const RunProgress& p)
{
    const auto now = std::chrono::steady_clock::now();
    const bool newStage = p.label != lastStage_;
    if (!newStage && p.done < p.total && now - lastReport_ < interval_)
        return;
    lastStage_ = p.label;
    lastReport_ = now;
    ++reported_;
    if (report_) {
        RunProgress friendly = p;
        friendly.label = friendlyStage(p.label);
        report_(friendly);
    }
}

void CancellableProgressSink::warning(const RunWarning& w) { warnings_.push_back(w); }

void CancellableProgressSink::datasetFinished(std::size_t index, const DatasetSummary& summary)
{
    if (onDatasetFinished)
        onDatasetFinished(index, summary);
}

void CancellableProgressSink::partialResult(RunResultPtr result)
{
    if (onPartialResult)
        onPartialResult(std::move(result));
}

bool CancellableProgressSink::isCancelRequested() const
{
    return cancel_ && cancel_->load(std::memory_order_relaxed);
}

} // namespace oodlens::ui
