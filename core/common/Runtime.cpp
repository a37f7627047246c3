// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/Runtime.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <opencv2/core.hpp>
#include <opencv2/core/version.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <thread>

namespace oodlens {

std::string initRuntime(int threads)
{
    // OpenBLAS reads OPENBLAS_NUM_THREADS when it loads, which is before main(); set the variable
    // for child processes and also pin the already-loaded library through its API when present.
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    using SetThreads = void (*)(int);
    if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        set(1);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int n = threads > 0 ? threads : static_cast<int>(cores);
    at::set_num_threads(n);
    cv::setNumThreads(1); // OpenCV work runs inside our own decode threads
    return "LibTorch threads: " + std::to_string(at::get_num_threads()) + " of " + std::to_string(cores) +
           " cores; OpenBLAS threads: 1";
}

int runtimeThreads() { return at::get_num_threads(); }

std::string libraryVersions()
{
    return std::string("LibTorch ") + TORCH_VERSION + ", OpenCV " + CV_VERSION;
}

const char* oodlensVersion() { return OODLENS_VERSION; }

} // namespace oodlens
