// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace oodlens {

// An IDX array (the MNIST container format): big-endian header `0 0 type ndims`, ndims int32
// dimensions, then the data. Only unsigned-byte data (type 0x08) is supported: it is what every
// image IDX file in the wild holds.
struct IdxArray {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;

    std::size_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Reads a raw or gzip-compressed (detected by magic bytes) IDX file. Throws Error naming the file
// on a wrong magic number, an unsupported type, a truncated header or body, trailing bytes, or a
// header that claims more data than the file holds. The header is checked against the file size
// (or, for gzip, against the uncompressed size in its trailer) before the body is allocated.
IdxArray readIdx(const std::string& path);

// Reads only the header (dims) of an IDX file, with the same validation of the magic number.
std::vector<std::uint32_t> readIdxHeader(const std::string& path);

// Writes a raw IDX file of unsigned bytes (used by tests and tools).
void writeIdx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data);

} // namespace oodlens
