// SPDX-License-Identifier: GPL-3.0-or-later
// A 24-bit BMP writer for fixtures of tests that link no image library: the file size depends
// only on the dimensions, so two sets of other pixels have the same sizes.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

namespace oodlens::test {

// A side x side gray BMP whose values come from `seed`; mtime set to `mtime` seconds when > 0.
inline void writeBmp(const std::filesystem::path& path, int seed, int side = 28, long mtime = 0)
{
    const int rowBytes = (side * 3 + 3) / 4 * 4;
    const auto dataBytes = static_cast<std::uint32_t>(rowBytes * side);
    std::vector<std::uint8_t> b(54, 0);
    auto put32 = [&](std::size_t at, std::uint32_t v) {
        for (int k = 0; k < 4; ++k)
            b[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
    };
    b[0] = 'B';
    b[1] = 'M';
    put32(2, 54 + dataBytes);
    put32(10, 54);
    put32(14, 40);
    put32(18, static_cast<std::uint32_t>(side));
    put32(22, static_cast<std::uint32_t>(side));
    b[26] = 1;
    b[28] = 24;
    put32(34, dataBytes);
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            const auto v = static_cast<std::uint8_t>((seed * 97 + (x * x + 3 * y) * (seed % 5 + 1)) % 256);
            b.insert(b.end(), {v, v, v});
        }
        b.resize(b.size() + static_cast<std::size_t>(rowBytes - side * 3), 0);
    }
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (mtime > 0) {
        const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
        utimensat(AT_FDCWD, path.c_str(), times, 0);
    }
}

} // namespace oodlens::test
