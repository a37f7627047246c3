// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/FigureStyle.h"

namespace oodlens {

const std::vector<LegendPlacementName>& legendPlacements()
{
    static const std::vector<LegendPlacementName> names = {
        {LegendPlacement::Auto, "auto"},
        {LegendPlacement::TopRight, "top-right"},
        {LegendPlacement::TopLeft, "top-left"},
        {LegendPlacement::BottomRight, "bottom-right"},
        {LegendPlacement::BottomLeft, "bottom-left"},
        {LegendPlacement::Outside, "outside"},
        {LegendPlacement::Above, "above"},
        {LegendPlacement::None, "none"},
    };
    return names;
}

const char* legendPlacementName(LegendPlacement placement)
{
    for (const LegendPlacementName& n : legendPlacements())
        if (n.placement == placement)
            return n.name;
    return "auto";
}

bool legendPlacementFromName(const std::string& name, LegendPlacement* placement)
{
    for (const LegendPlacementName& n : legendPlacements())
        if (name == n.name) {
            *placement = n.placement;
            return true;
        }
    return false;
}

std::string legendPlacementChoices()
{
    std::string out;
    for (const LegendPlacementName& n : legendPlacements())
        out += (out.empty() ? "" : "|") + std::string(n.name);
    return out;
}

const std::vector<std::string>& figureKinds()
{
    static const std::vector<std::string> kinds = {"histogram", "roc", "pr", "panels", "overlay"};
    return kinds;
}

} // namespace oodlens
