// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <string>

namespace oodlens {

// Estimates the time left in the current stage of a run from its progress reports. Each stage
// ("extracting fashion-mnist", "scoring") restarts the estimate: stages run at different speeds.
class EtaEstimator {
public:
    // One progress report at `seconds` on a monotonic clock.
    void update(const std::string& stage, std::size_t done, std::size_t total, double seconds);
    void reset();
    // Seconds left in the current stage, or a negative value while there is too little to go on.
    double secondsLeft() const;
    // "about 12 s left", "about 3 min left", or empty for a negative estimate.
    static std::string format(double secondsLeft);

private:
    std::string stage_;
    std::size_t firstDone_ = 0, done_ = 0, total_ = 0;
    double firstSeconds_ = 0, seconds_ = 0;
};

} // namespace oodlens
