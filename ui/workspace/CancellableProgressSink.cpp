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

void CancellableProgressSink::update(const std::string& stage, std::size_t done, std::size_t total)
{
    const auto now = std::chrono::steady_clock::now();
    const bool newStage = stage != lastStage_;
    if (!newStage && done < total && now - lastReport_ < interval_)
        return;
    lastStage_ = stage;
    lastReport_ = now;
    ++reported_;
    if (report_)
        report_(friendlyStage(stage), done, total);
}

void CancellableProgressSink::warning(const std::string& message)
{
    warnings_.push_back(message);
}

bool CancellableProgressSink::isCancelRequested() const
{
    return cancel_ && cancel_->load(std::memory_order_relaxed);
}

} // namespace oodlens::ui
