// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstdint>
#include <vector>

namespace oodlens {

// A decoded 8-bit image, rows of interleaved channels (HWC). Channel order is RGB (or gray when
// channels == 1): readers convert OpenCV's BGR before handing images out.
struct ImageU8 {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<std::uint8_t> pixels;

    std::uint8_t at(int y, int x, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
};

} // namespace oodlens
