// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QIcon>

namespace oodlens::ui {

// Registers the GUI's compiled-in resources. oodlens_ui is a static library, so its resource
// initialiser is not linked in unless something calls it; safe to call more than once.
void initResources();

// The application icon (resources/icons/oodlens.svg).
QIcon appIcon();

} // namespace oodlens::ui
