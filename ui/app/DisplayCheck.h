// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <string>

namespace oodlens::ui {

// Why Qt's windowed platform could not start here, or an empty string when it can (or when the
// chosen platform needs no display, such as "offscreen"). Without this check, QApplication on a
// display-less server aborts with a plugin error instead of telling the user what to do.
// `platform` is the -platform argument or QT_QPA_PLATFORM (empty = Qt's default; Qt 6 also takes
// a ';'-separated fallback list); `display` / `waylandDisplay` are the environment values (null = unset).
std::string missingDisplayReason(const std::string& platform, const char* display, const char* waylandDisplay);

// The same, reading the -platform argument from argv and the rest from the environment.
std::string missingDisplayReason(int argc, char** argv);

// The one line to print on stderr for `reason`.
std::string noDisplayMessage(const std::string& reason);

} // namespace oodlens::ui
