// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <stdexcept>
#include <string>

namespace oodlens {

// A problem the user can act on. The message names the file and the problem,
// e.g. "cannot read 'x.idx': header claims 60000 images but the file holds 12".
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown when a ProgressSink asked for cancellation. Never carries partial results.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace oodlens
