// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace oodlens::ui {

// The Pipeline's observer for a GUI run. Cancellation is a shared atomic flag that the GUI thread
// sets and the engine polls, so a cancel request never waits in an event queue behind the work it
// wants to stop. Progress reaches `report` at most every `interval` (plus every stage change and
// every stage end), so a fast engine cannot flood the GUI's event loop. Dataset ends and partial
// results are passed on unthrottled.
class CancellableProgressSink final : public RunObserver {
public:
    using Report = std::function<void(const RunProgress&)>;

    CancellableProgressSink(std::shared_ptr<const std::atomic<bool>> cancel, Report report,
                            std::chrono::milliseconds interval = std::chrono::milliseconds(50));

    // Engine paths in stage labels ("extracting '/long/path/x.gz'") are shown by dataset name.
    void setPathNames(std::map<std::string, std::string> pathToName) { pathNames_ = std::move(pathToName); }
    std::function<void(std::size_t, const DatasetSummary&)> onDatasetFinished;
    std::function<void(RunResultPtr)> onPartialResult;

    void progress(const RunProgress& p) override;
    void warning(const RunWarning& w) override;
    void datasetFinished(std::size_t index, const DatasetSummary& summary) override;
    void partialResult(RunResultPtr result) override;
    bool isCancelRequested() const override;

    const std::vector<RunWarning>& warnings() const { return warnings_; }
    // How many updates were passed on (for tests of the throttle).
    std::size_t reported() const { return reported_; }

private:
    std::string friendlyStage(const std::string& stage) const;

    std::shared_ptr<const std::atomic<bool>> cancel_;
    Report report_;
    std::chrono::milliseconds interval_;
    std::map<std::string, std::string> pathNames_;
    std::string lastStage_;
    std::chrono::steady_clock::time_point lastReport_{};
    std::vector<RunWarning> warnings_;
    std::size_t reported_ = 0;
};

} // namespace oodlens::ui
