// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QString>

class QMessageBox;
class QWidget;

namespace oodlens::ui {

// Opens a window-modal message over `parent` without blocking the caller: `text` in one or two
// lines, `details` (the full message, the files involved, every warning) behind "Show Details",
// selectable and copyable. The box deletes itself when closed; its object name is "errorDetails".
QMessageBox* showErrorDetails(QWidget* parent, const QString& title, const QString& text, const QString& details,
                              bool error = true);

} // namespace oodlens::ui
