// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QColor>

namespace oodlens::ui {

// The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that stay
// distinguishable under the common colour-vision deficiencies.
QColor okabeItoColor(int index);

// A dataset's colour, the same in every plot: slot 0 is the ID set (blue), slots 1.. the OOD
// sets in order (vermillion, orange, bluish green, ...).
QColor datasetColor(int slot);

// How a method's curves look when several methods share a plot (slot = its place among the
// overlaid methods, the same in every plot): the eight Okabe-Ito colours with solid lines, then
// the eight again dashed, dotted, dash-dotted and dash-dot-dotted, so that the first
// kDistinctMethodLooks methods never share a colour and line style. OOD sets are then told apart
// by markers (oodMarker).
struct MethodLook {
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
};
constexpr int kDistinctMethodLooks = 40;
MethodLook methodLook(int slot);
// The colour of methodLook(slot).
QColor methodColor(int slot);

// Markers along the curves of the OOD sets when colours and line styles stand for methods: none
// for the first set, then circle, square, triangle, diamond, cross, plus, star.
int oodMarker(int oodSlot); // a QCPScatterStyle::ScatterShape

} // namespace oodlens::ui
