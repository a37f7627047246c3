// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"

#include <cstddef>

namespace oodlens::ui {

// A dataset's colour slot (see datasetColor()): 0 for the ID set, 1.. for the OOD sets in the
// result's order, -1 for a set that is neither (the fit set).
inline int datasetSlot(const RunResult& result, std::size_t dataset)
{
    if (static_cast<int>(dataset) == result.idIndex)
        return 0;
    for (std::size_t i = 0; i < result.oodIndices.size(); ++i)
        if (result.oodIndices[i] == dataset)
            return static_cast<int>(i) + 1;
    return -1;
}

} // namespace oodlens::ui
