// SPDX-License-Identifier: GPL-3.0-or-later
// The growth of this process's peak resident set while a call runs (Linux): the peak (VmHWM) is
// reset through /proc/self/clear_refs, so earlier tests in the same program do not hide it.
#pragma once
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

namespace oodlens::test {

inline long procStatusKb(const char* field)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0)
            return std::atol(line.c_str() + std::strlen(field));
    return -1;
}

// kB the peak grew by while `f` ran; -1 when the kernel could not reset the peak.
inline long peakGrowthKb(const std::function<void()>& f)
{
    {
        std::ofstream reset("/proc/self/clear_refs");
        reset << "5";
    }
    const long before = procStatusKb("VmRSS:");
    if (procStatusKb("VmHWM:") > before + 1024)
        return -1;
    f();
    return procStatusKb("VmHWM:") - before;
}

} // namespace oodlens::test
