// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Plain C++ on purpose: oodlens-cli (which must stay Qt-free in its own sources) calls this when
// it is built with the GUI libraries.

// `oodlens-cli figures ...`: runs the analysis like `score` (features from the cache when
// present) and writes, per method, the score histogram and the ROC curve as PDF, SVG and PNG
// with the GUI's plotting code, headless. argv[0] is "figures". Returns the process exit status.
int runFiguresCommand(int argc, char** argv);
