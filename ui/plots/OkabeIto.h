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

// A method's colour when several methods share a plot (slot = its place among the overlaid
// methods, the same in every plot); ID and OOD are then told apart by line style instead.
QColor methodColor(int slot);

// Line styles for the OOD sets when colours stand for methods: solid, dashed, dotted, ...
Qt::PenStyle oodLineStyle(int oodSlot);

} // namespace oodlens::ui
