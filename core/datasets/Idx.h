// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstdint>
#include <functional>
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

// An IDX file opened for random access without its body in memory: the whole file is read and
// checked once on opening, as readIdx does (and `body`, when given, sees every byte of the body in
// order, for a fingerprint); a raw file is then read in place and a gzip body from an anonymous
// temporary file ($TMPDIR, else /tmp) that it was inflated into. Memory stays a constant whatever
// the file size (but for the fallback: where no temporary file can be written, the body is kept).
class IdxFile {
public:
    explicit IdxFile(const std::string& path, const std::function<void(const std::uint8_t*, std::size_t)>& body = {});
    ~IdxFile();
    IdxFile(const IdxFile&) = delete;
    IdxFile& operator=(const IdxFile&) = delete;

    const std::vector<std::uint32_t>& dims() const { return dims_; }
    std::size_t count() const { return dims_.empty() ? 0 : dims_[0]; }
    // Copies the `n` body bytes at `offset` into `out`; safe to call from several threads. Throws
    // Error naming the file when they cannot be read (the file changed since it was opened).
    void read(std::uint64_t offset, std::size_t n, std::uint8_t* out) const;

private:
    std::string path_;
    std::vector<std::uint32_t> dims_;
    std::uint64_t bodyBytes_ = 0;
    int fd_ = -1;
    std::uint64_t offset_ = 0;         // where the body starts in fd_
    std::vector<std::uint8_t> memory_; // the body, where no temporary file could be made
};

// Reads only the header (dims) of an IDX file, with the same validation of the magic number.
std::vector<std::uint32_t> readIdxHeader(const std::string& path);

// Writes a raw IDX file of unsigned bytes (used by tests and tools).
void writeIdx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data);

} // namespace oodlens
