// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What every fuzz target shares: the readers take paths, so each input is written to a file of a
// per-process scratch folder (in /dev/shm when there is one) under the name the reader expects.
#include "common/Error.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace oodlens::fuzz {

inline const std::filesystem::path& scratch()
{
    static const std::filesystem::path dir = [] {
        const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::filesystem::path d = base / ("oodlens-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// Writes the input to scratch()/name and returns its path.
inline std::string writeInput(const std::string& name, const std::uint8_t* data, std::size_t size)
{
    const std::filesystem::path p = scratch() / name;
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f)
        std::abort();
    if (size && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
    return p.string();
}

} // namespace oodlens::fuzz
