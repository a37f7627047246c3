// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <string>

namespace oodlens {

// Sets the thread counts deliberately, once, at program start: LibTorch's intra-op pool gets
// `threads` (0 = every core), OpenBLAS is pinned to one thread so that the two pools do not
// oversubscribe the cores. Returns a one-line description for logs and run metadata.
std::string initRuntime(int threads);

// Number of LibTorch intra-op threads now in use.
int runtimeThreads();

// "LibTorch 1.13.1, OpenCV 4.6.0" for run metadata.
std::string libraryVersions();
// OOD Lens's version (the project version of the build), recorded in the files it writes.
const char* oodlensVersion();

} // namespace oodlens
