// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What the headless commands that draw with the GUI's code (`figures`, `report`) share.
#include "run/Pipeline.h"

namespace oodlens::ui {

// Call before the command's QApplication: without a display (DISPLAY, WAYLAND_DISPLAY) and without a
// platform chosen by the user, Qt draws offscreen.
void drawOffscreenWithoutDisplay();

// Runs `config` through the pipeline, as `score` does, naming each dataset on stderr (with its image
// count, "(cache)" when the features came from the feature cache, or its error) as it is extracted.
RunResultPtr runNamingDatasets(const RunConfig& config);

} // namespace oodlens::ui
