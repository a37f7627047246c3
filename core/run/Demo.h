// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <string>

namespace oodlens {

// Folder holding the bundled demo (model and IDX sets). Searched in order: $OODLENS_DEMO_DIR,
// <exe>/../share/oodlens/demo (installed), the source tree's resources/demo (build tree).
// Throws Error listing the places searched when none holds the demo model.
std::string demoDirectory();

// MNIST (ID test), Fashion-MNIST (OOD), the MNIST training subset (fit) and 1,000 other
// Fashion-MNIST images (validation OOD, read only by sweeps) with the demo CNN.
RunConfig demoConfig();

} // namespace oodlens
