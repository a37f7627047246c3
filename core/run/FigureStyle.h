// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <string>
#include <vector>

namespace oodlens {

// Where an exported figure puts its legend: the GUI's export dialog and `oodlens-cli figures
// --legend` share these names. Auto picks the empty corner of the plot (ROC: bottom right,
// precision-recall: bottom left, histograms and scatters: a row above the axes) and moves the
// legend outside, to the right, when it has too many entries for a corner.
enum class LegendPlacement { Auto, TopRight, TopLeft, BottomRight, BottomLeft, Outside, Above, None };

struct LegendPlacementName {
    LegendPlacement placement;
    const char* name; // "top-right"
};
// Every placement, Auto first.
const std::vector<LegendPlacementName>& legendPlacements();
const char* legendPlacementName(LegendPlacement placement);
// False for a name not in legendPlacements().
bool legendPlacementFromName(const std::string& name, LegendPlacement* placement);
// "auto|top-right|..." for help texts and messages.
std::string legendPlacementChoices();

// The figure kinds `oodlens-cli figures --kinds` writes: per method "histogram", "roc", "pr" and
// "panels" (histogram, ROC and PR side by side), and once "overlay" (every method's ROC and PR).
const std::vector<std::string>& figureKinds();

} // namespace oodlens
