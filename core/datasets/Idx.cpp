// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/Idx.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>

namespace oodlens {
namespace {

constexpr std::uint8_t kTypeUnsignedByte = 0x08;
constexpr int kMaxDims = 8;
// deflate's best ratio is about 1032:1: a stream that claims more output is forged.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// Bodies are read, checked and inflated this much at a time.
constexpr std::uint64_t kBodyChunk = 1ull << 20;

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw Error("cannot read IDX file '" + path + "': " + problem);
}

std::uint32_t bigEndian32(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

// A byte source over a raw or gzip file that knows the total (uncompressed) size up front, so the
// header can be checked before the body is allocated.
class ByteSource {
public:
    explicit ByteSource(const std::string& path) : path_(path)
    {
        std::uint64_t fileSize = 0;
        const int fd = openRegularFile(path, "cannot read IDX file", &fileSize);
        std::uint8_t magic[2] = {0, 0};
        const bool got = ::pread(fd, magic, 2, 0) == 2;
        gzip_ = got && magic[0] == 0x1f && magic[1] == 0x8b;
        if (gzip_) {
            // The gzip trailer's ISIZE is the uncompressed size modulo 2^32: exact for every IDX
            // file below 4 GiB, and a sanity bound for larger ones. It is only a claim (a forged
            // trailer costs nothing), so the reader never allocates by it: see readIdx.
            std::uint8_t trailer[4];
            if (fileSize < 18 || ::pread(fd, trailer, 4, static_cast<off_t>(fileSize - 4)) != 4) {
                ::close(fd);
                fail(path, fileSize < 18 ? "truncated gzip stream" : "cannot read gzip trailer");
            }
            compressed_ = fileSize;
            size_ = std::uint64_t(trailer[0]) | (std::uint64_t(trailer[1]) << 8) | (std::uint64_t(trailer[2]) << 16) |
                    (std::uint64_t(trailer[3]) << 24);
            gz_ = gzdopen(fd, "rb"); // owns fd from here on
            if (!gz_) {
                ::close(fd);
                fail(path, "cannot open gzip stream");
            }
            gzbuffer(gz_, 1 << 17);
        } else {
            file_ = ::fdopen(fd, "rb");
            if (!file_) {
                ::close(fd);
                fail(path, std::strerror(errno));
            }
            size_ = fileSize;
        }
    }
    ~ByteSource()
    {
        if (gz_)
            gzclose(gz_);
        if (file_)
            std::fclose(file_);
    }
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    bool gzip() const { return gzip_; }
    // Total bytes (uncompressed size modulo 2^32 for gzip).
    std::uint64_t size() const { return size_; }
    std::uint64_t compressedSize() const { return compressed_; }

    // Reads up to n bytes; returns how many were read. Throws on a corrupt gzip stream.
    std::size_t read(std::uint8_t* out, std::size_t n)
    {
        std::size_t total = 0;
        while (total < n) {
            std::size_t got = 0;
            if (gz_) {
                const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
                const int r = gzread(gz_, out + total, chunk);
                if (r < 0) {
                    int code = 0;
                    const char* msg = gzerror(gz_, &code);
                    fail(path_, std::string("corrupt gzip stream (") + (msg ? msg : "unknown error") + ")");
                }
                got = static_cast<std::size_t>(r);
            } else {
                got = std::fread(out + total, 1, n - total, file_);
            }
            if (got == 0)
                break;
            total += got;
        }
        return total;
    }

private:
    std::string path_;
    bool gzip_ = false;
    std::uint64_t size_ = 0;
    std::uint64_t compressed_ = 0;
    gzFile gz_ = nullptr;
    std::FILE* file_ = nullptr;
};

struct Header {
    std::vector<std::uint32_t> dims;
    std::uint64_t bodyBytes = 0;
    std::size_t headerBytes = 0;
};

Header readHeader(ByteSource& src, const std::string& path)
{
    std::uint8_t magic[4];
    if (src.read(magic, 4) != 4)
        fail(path, "file too short for an IDX header");
    if (magic[0] != 0 || magic[1] != 0)
        fail(path, "wrong magic number (not an IDX file)");
    if (magic[2] != kTypeUnsignedByte)
        fail(path, "unsupported IDX data type 0x" + [&] {
            char buf[8];
            std::snprintf(buf, sizeof buf, "%02x", magic[2]);
            return std::string(buf);
        }() + " (only unsigned bytes, 0x08, are supported)");
    const int ndims = magic[3];
    if (ndims < 1 || ndims > kMaxDims)
        fail(path, "wrong magic number: " + std::to_string(ndims) + " dimensions");
    Header h;
    h.headerBytes = 4 + 4 * static_cast<std::size_t>(ndims);
    std::uint8_t buf[4 * kMaxDims];
    if (src.read(buf, 4 * ndims) != static_cast<std::size_t>(4 * ndims))
        fail(path, "truncated header");
    std::uint64_t body = 1;
    for (int i = 0; i < ndims; ++i) {
        const std::uint32_t d = bigEndian32(buf + 4 * i);
        if (d > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()))
            fail(path, "dimension " + std::to_string(i) + " is negative or too large");
        h.dims.push_back(d);
        if (d != 0 && body > std::numeric_limits<std::uint64_t>::max() / d)
            fail(path, "header dimensions overflow");
        body *= d;
    }
    h.bodyBytes = body;
    return h;
}

std::string describeCount(const Header& h)
{
    return std::to_string(h.dims[0]) + (h.dims.size() >= 3 ? " images" : " items");
}

} // namespace

namespace {

// An unlinked temporary file for reading and writing, close-on-exec; -1 when none can be made.
int anonymousTemporaryFile()
{
    const char* dir = std::getenv("TMPDIR");
    std::string name = std::string(dir && *dir ? dir : "/tmp") + "/oodlens-idx-XXXXXX";
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0)
        ::unlink(name.c_str());
    return fd;
}

bool writeAll(int fd, const std::uint8_t* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Opens `path`, reads and checks its header, and checks the size it claims against what the file
// holds, before anything is allocated by it.
Header openChecked(ByteSource& src, const std::string& path)
{
    const Header h = readHeader(src, path);
    const std::uint64_t expected = h.headerBytes + h.bodyBytes;
    const std::uint64_t available = src.size();
    const bool exact = !src.gzip() || expected < (1ull << 32);
    if (exact && expected > available)
        fail(path, "header claims " + describeCount(h) + " (" + std::to_string(h.bodyBytes) + " bytes) but the " +
                       (src.gzip() ? "gzip stream" : "file") + " holds only " +
                       std::to_string(available > h.headerBytes ? available - h.headerBytes : 0) + " bytes of data");
    if (exact && expected < available)
        fail(path, std::to_string(available - expected) + " unexpected trailing bytes after the data");
    if (src.gzip() && h.bodyBytes / kMaxDeflateRatio > src.compressedSize())
        // deflate cannot compress better than about 1032:1, so the claim is impossible.
        fail(path, "header claims " + describeCount(h) + " (" + std::to_string(h.bodyBytes) +
                       " bytes), more than the " + std::to_string(src.compressedSize()) +
                       "-byte gzip stream can hold");
    return h;
}

// Passes the body to `chunk` in pieces as it is read (a gzip stream's sizes are claims: nothing
// is allocated by them, and inflating stops at what the header's dimensions imply), then checks
// that it ends exactly where the header says.
void readBody(ByteSource& src, const Header& h, const std::string& path,
              const std::function<void(const std::uint8_t*, std::size_t)>& chunk)
{
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(h.bodyBytes, kBodyChunk)));
    std::uint64_t got = 0;
    while (got < h.bodyBytes) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(h.bodyBytes - got, kBodyChunk));
        const std::size_t n = src.read(buffer.data(), want);
        if (n)
            chunk(buffer.data(), n);
        got += n;
        if (n < want)
            break;
    }
    if (got != h.bodyBytes)
        fail(path, "truncated: header claims " + describeCount(h) + " but the data ends after " + std::to_string(got) +
                       " of " + std::to_string(h.bodyBytes) + " bytes");
    std::uint8_t extra;
    if (src.read(&extra, 1) != 0)
        fail(path, "unexpected trailing bytes after the data");
}

} // namespace

IdxArray readIdx(const std::string& path)
{
    ByteSource src(path);
    const Header h = openChecked(src, path);
    IdxArray out;
    out.dims = h.dims;
    if (!src.gzip())
        out.data.reserve(static_cast<std::size_t>(h.bodyBytes)); // the file size is real (checked above)
    readBody(src, h, path, [&](const std::uint8_t* p, std::size_t n) { out.data.insert(out.data.end(), p, p + n); });
    out.data.shrink_to_fit();
    return out;
}

IdxFile::IdxFile(const std::string& path, const std::function<void(const std::uint8_t*, std::size_t)>& body)
    : path_(path)
{
    ByteSource src(path);
    const Header h = openChecked(src, path);
    dims_ = h.dims;
    bodyBytes_ = h.bodyBytes;
    if (!src.gzip()) {
        // A raw file is read in place: checked once through, then read by offset.
        readBody(src, h, path, body ? body : [](const std::uint8_t*, std::size_t) {});
        fd_ = openRegularFile(path, "cannot read IDX file");
        offset_ = h.headerBytes;
        return;
    }
    // A gzip body is inflated once, into an anonymous temporary file (in $TMPDIR, else /tmp,
    // unlinked at once, so the system deletes it when it is closed): random access without the body
    // in memory. Where no temporary file can be made or written, the body stays in memory.
    struct Guard {
        int fd;
        ~Guard()
        {
            if (fd >= 0)
                ::close(fd); // also when the body is refused part of the way
        }
    } tmp{anonymousTemporaryFile()};
    bool inFile = tmp.fd >= 0;
    readBody(src, h, path, [&](const std::uint8_t* p, std::size_t n) {
        if (body)
            body(p, n);
        if (inFile && !writeAll(tmp.fd, p, n))
            inFile = false;
        if (!inFile)
            memory_.insert(memory_.end(), p, p + n);
    });
    if (inFile) {
        fd_ = tmp.fd;
        tmp.fd = -1;
        return;
    }
    if (memory_.size() != bodyBytes_) {
        // The temporary file failed part of the way: inflate again into memory.
        memory_.clear();
        ByteSource again(path);
        const Header h2 = openChecked(again, path);
        readBody(again, h2, path, [&](const std::uint8_t* p, std::size_t n) { memory_.insert(memory_.end(), p, p + n); });
    }
}

IdxFile::~IdxFile()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void IdxFile::read(std::uint64_t offset, std::size_t n, std::uint8_t* out) const
{
    if (offset > bodyBytes_ || n > bodyBytes_ - offset)
        fail(path_, "read past the end of the data");
    if (fd_ < 0) {
        std::memcpy(out, memory_.data() + offset, n);
        return;
    }
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset_ + offset + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            fail(path_, r < 0 ? std::strerror(errno) : "the file became shorter after it was opened");
        done += static_cast<std::size_t>(r);
    }
}

std::vector<std::uint32_t> readIdxHeader(const std::string& path)
{
    ByteSource src(path);
    return readHeader(src, path).dims;
}

void writeIdx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data)
{
    std::ofstream out(path, std::ios::binary);
    if (!out)
        throw Error("cannot write '" + path + "'");
    const std::uint8_t magic[4] = {0, 0, kTypeUnsignedByte, static_cast<std::uint8_t>(dims.size())};
    out.write(reinterpret_cast<const char*>(magic), 4);
    for (std::uint32_t d : dims) {
        const std::uint8_t be[4] = {std::uint8_t(d >> 24), std::uint8_t(d >> 16), std::uint8_t(d >> 8), std::uint8_t(d)};
        out.write(reinterpret_cast<const char*>(be), 4);
    }
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out)
        throw Error("cannot write '" + path + "'");
}

} // namespace oodlens
