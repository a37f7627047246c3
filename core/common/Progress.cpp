// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/Progress.h"

#include "common/Error.h"

namespace oodlens {

void throwIfCancelled(const ProgressSink* sink)
{
    if (sink && sink->isCancelRequested())
        throw Cancelled();
}

} // namespace oodlens
