// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

namespace oodlens {

// The engine's only window on the outside world while it works: it reports progress and
// warnings, and polls for cancellation. The GUI implements it with an atomic flag and queued
// signals, the CLI with a line on stderr. Calls come from the engine's thread.
class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    // `stage` is a short human label ("extracting 'id'"), `done`/`total` count work units (images).
    virtual void update(const std::string& stage, std::size_t done, std::size_t total) {}
    // Something was skipped or degraded; the run goes on.
    virtual void warning(const std::string& message) {}
    virtual bool isCancelRequested() const { return false; }
};

// A sink whose only news is cancellation: a flag that another thread (the GUI's) sets and the work
// polls, so a cancel request never waits in an event queue behind the work it wants to stop.
class FlagProgressSink final : public ProgressSink {
public:
    explicit FlagProgressSink(std::shared_ptr<std::atomic<bool>> flag) : flag_(std::move(flag)) {}
    bool isCancelRequested() const override { return flag_->load(); }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

// Throws Cancelled when the sink asks for it; a null sink never cancels.
void throwIfCancelled(const ProgressSink* sink);

} // namespace oodlens
