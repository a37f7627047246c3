// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Scores.h"

#include <QString>

#include <string>

namespace oodlens::ui {

// A method's label for the screen: the registry's label with its ASCII notation typeset
// ("||h||_1 x MSP" -> "‖h‖₁ × MSP"). Unknown ids are shown as they are.
QString methodDisplayLabel(const std::string& id);

// "Gradient-based", "Non-gradient", "Fitted (uses the fit set)".
QString methodGroupHeading(MethodGroup group);
// Short lower-case form for table cells: "gradient", "non-gradient", "fitted".
QString methodGroupShort(MethodGroup group);

} // namespace oodlens::ui
