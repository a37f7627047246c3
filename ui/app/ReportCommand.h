// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Plain C++ on purpose: oodlens-cli (which must stay Qt-free in its own sources) calls this when
// it is built with the GUI libraries.
#include <string>

// `oodlens-cli report ...`: runs the analysis like `score` (features from the cache when present),
// the factor analysis with the options of core/run/Options, and writes the report folder
// (ui/report/Report.h) headless. argv[0] is "report"; `commandLine` goes into run.json. Returns the
// process exit status.
int runReportCommand(int argc, char** argv, const std::string& commandLine);
