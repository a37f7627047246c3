// SPDX-License-Identifier: GPL-3.0-or-later
// Data preparation shared by the benchmarks.
#pragma once
#include "datasets/Idx.h"

#include <filesystem>
#include <string>
#include <vector>

namespace oodlens::bench {

// Fashion-MNIST as fetched by tools/fetch-datasets.sh is stored class by class: every 7th image
// gives a 10,000-image mix of all classes, written as a raw IDX file in `dir`. Returns its path.
inline std::string writeFashionMix(const std::string& fashionIdx, const std::filesystem::path& dir)
{
    const IdxArray f = readIdx(fashionIdx);
    const std::size_t pixels = 28 * 28, images = 10000;
    std::vector<std::uint8_t> mix;
    for (std::size_t i = 0; i < f.count() && mix.size() < images * pixels; i += 7)
        mix.insert(mix.end(), f.data.begin() + i * pixels, f.data.begin() + (i + 1) * pixels);
    const std::string out = (dir / "fashion-10000-images-idx3-ubyte").string();
    writeIdx(out, {static_cast<std::uint32_t>(mix.size() / pixels), 28, 28}, mix);
    return out;
}

} // namespace oodlens::bench
