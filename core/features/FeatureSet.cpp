// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/FeatureSet.h"

#include <algorithm>

namespace oodlens {

int FeatureSet::prediction(std::size_t r) const
{
    const float* z = logitRow(r);
    return static_cast<int>(std::max_element(z, z + classes) - z);
}

} // namespace oodlens
