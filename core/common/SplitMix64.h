// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// SplitMix64 (Steele, Lea & Flood 2014): the documented generator of every resample and split that
// must be reproducible in another language (docs/methods.md): state += 0x9E3779B97F4A7C15, then two
// xor-shift-multiply rounds. An index in [0, count) is the high 64 bits of the 128-bit x * count.
#include <cstddef>
#include <cstdint>

namespace oodlens {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t index(std::size_t count) { return static_cast<std::size_t>(highProduct(next(), count)); }

    // The high 64 bits of a * b, in portable 64-bit arithmetic.
    static std::uint64_t highProduct(std::uint64_t a, std::uint64_t b)
    {
        const std::uint64_t aLo = a & 0xFFFFFFFFull, aHi = a >> 32, bLo = b & 0xFFFFFFFFull, bHi = b >> 32;
        const std::uint64_t loLo = aLo * bLo, hiLo = aHi * bLo, loHi = aLo * bHi, hiHi = aHi * bHi;
        const std::uint64_t cross = (loLo >> 32) + (hiLo & 0xFFFFFFFFull) + loHi;
        return hiHi + (hiLo >> 32) + (cross >> 32);
    }

private:
    std::uint64_t state_;
};

} // namespace oodlens
