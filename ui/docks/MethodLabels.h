// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Scores.h"

#include <QString>

#include <string>

namespace oodlens::ui {

// A method's label for the screen: the registry's label with its ASCII notation typeset
// ("||h||_1 x MSP" -> "‖h‖₁ × MSP"). Unknown ids are shown as they are.
QString methodDisplayLabel(const std::string& id);
// The same, for a score computed with `params`: core's methodLabel() rule, so a flipped method
// reads "ExGrad (flipped)" here as in every export. Legends, tables and titles of a result use this.
QString methodDisplayLabel(const std::string& id, const ScoreParams& params);
// Typesets a label from core (methodLabel(), MetricsRow::label) as methodDisplayLabel does.
QString typesetMethodLabel(const std::string& label);

// "Gradient-based", "Non-gradient", "Fitted (uses the fit set)".
QString methodGroupHeading(MethodGroup group);
// Short lower-case form for table cells: "gradient", "non-gradient", "fitted".
QString methodGroupShort(MethodGroup group);

} // namespace oodlens::ui
