// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/EtaEstimator.h"

#include <cmath>

namespace oodlens {

namespace {
// Below this much observed work an estimate mostly measures start-up cost, not speed.
constexpr double kMinElapsedSeconds = 0.25;
} // namespace

void EtaEstimator::update(const std::string& stage, std::size_t done, std::size_t total, double seconds)
{
    if (stage != stage_ || total != total_ || done < done_) {
        stage_ = stage;
        firstDone_ = done;
        firstSeconds_ = seconds;
    }
    done_ = done;
    total_ = total;
    seconds_ = seconds;
}

void EtaEstimator::reset()
{
    *this = EtaEstimator();
}

double EtaEstimator::secondsLeft() const
{
    const double elapsed = seconds_ - firstSeconds_;
    if (total_ == 0 || done_ <= firstDone_ || elapsed < kMinElapsedSeconds)
        return -1;
    if (done_ >= total_)
        return 0;
    const double perUnit = elapsed / double(done_ - firstDone_);
    return perUnit * double(total_ - done_);
}

std::string EtaEstimator::format(double secondsLeft)
{
    if (!(secondsLeft >= 0))
        return {};
    if (secondsLeft < 1)
        return "less than a second left";
    if (secondsLeft < 90)
        return "about " + std::to_string(static_cast<long>(std::lround(secondsLeft))) + " s left";
    return "about " + std::to_string(static_cast<long>(std::lround(secondsLeft / 60))) + " min left";
}

} // namespace oodlens
