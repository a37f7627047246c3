// SPDX-License-Identifier: GPL-3.0-or-later
#include "Progress.h"

#include "Error.h"

namespace oodlens {

void throwIfCancelled(const ProgressSink* sink)
{
    if (sink && sink->isCancelRequested())
        throw Cancelled();
}

} // namespace oodlens
