// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
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

// Throws Cancelled when the sink asks for it; a null sink never cancels.
void throwIfCancelled(const ProgressSink* sink);

} // namespace oodlens
