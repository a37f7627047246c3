// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace oodlens {

// Incremental SHA-256 (FIPS 180-4), used for model and dataset fingerprints.
class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(const std::string& text) { update(text.data(), text.size()); }
    std::string hexDigest(); // finishes the hash; the object must not be updated afterwards

private:
    void block(const std::uint8_t* p);
    std::uint32_t state_[8];
    std::uint8_t buffer_[64];
    std::uint64_t length_ = 0;
    std::size_t buffered_ = 0;
};

// SHA-256 of a whole file, hex. Throws Error naming the file when it cannot be read.
std::string sha256File(const std::string& path);

} // namespace oodlens
