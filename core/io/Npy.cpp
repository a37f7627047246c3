// SPDX-License-Identifier: GPL-3.0-or-later
#include "io/Npy.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"

#include <zip.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>

// The .npy data is little-endian and is copied into place as it is.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Npy.cpp reads little-endian data in place");

namespace fs = std::filesystem;

namespace oodlens {

std::size_t NpyArray::count() const
{
    std::size_t n = 1;
    for (std::size_t d : shape)
        n *= d;
    return n;
}

namespace {

constexpr std::size_t kMaxHeaderBytes = 10000; // numpy's own limit (np.load's max_header_size)
constexpr std::size_t kMaxDims = 64;           // numpy 2's NPY_MAXDIMS
constexpr std::size_t kChunkBytes = std::size_t(1) << 20;
constexpr std::uint64_t kMaxStringWidth = std::uint64_t(1) << 26; // characters of one fixed-width string
// Deflate codes at most 258 bytes in 2 bits, so a member cannot inflate to more than 1032 times its
// compressed size (plus a little for block headers): a larger claim is a damaged or hostile archive.
constexpr std::uint64_t kDeflateMaxRatio = 1032;
constexpr std::uint64_t kDeflateSlack = 4096;

// Where a problem is: the file and, inside it, the array (empty for the container itself).
struct Where {
    std::string file;
    std::string array;
};

[[noreturn]] void fail(const Where& at, const std::string& problem)
{
    throw Error("cannot read '" + at.file + "': " + (at.array.empty() ? std::string() : "array '" + at.array + "': ") +
                problem);
}

std::string shapeText(const std::vector<std::uint64_t>& shape)
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

std::string shortNumber(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// A .npy stream: a file in a folder or a member of a .npz.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `n` bytes into `buf`; 0 at the end. Throws Error when the bytes cannot be read.
    virtual std::size_t read(void* buf, std::size_t n) = 0;
};

class FdSource final : public ByteSource {
public:
    FdSource(int fd, const Where& at) : fd_(fd), at_(at) {}
    ~FdSource() override { ::close(fd_); }
    FdSource(const FdSource&) = delete;
    FdSource& operator=(const FdSource&) = delete;

    std::size_t read(void* buf, std::size_t n) override
    {
        for (;;) {
            const ssize_t got = ::read(fd_, buf, std::min<std::size_t>(n, std::size_t(1) << 30));
            if (got >= 0)
                return static_cast<std::size_t>(got);
            if (errno != EINTR)
                fail(at_, std::strerror(errno));
        }
    }

private:
    int fd_;
    const Where& at_;
};

class ZipMemberSource final : public ByteSource {
public:
    ZipMemberSource(zip_file_t* file, const Where& at) : file_(file), at_(at) {}
    ~ZipMemberSource() override { zip_fclose(file_); }
    ZipMemberSource(const ZipMemberSource&) = delete;
    ZipMemberSource& operator=(const ZipMemberSource&) = delete;

    std::size_t read(void* buf, std::size_t n) override
    {
        const zip_int64_t got = zip_fread(file_, buf, std::min<std::size_t>(n, std::size_t(1) << 30));
        if (got < 0)
            fail(at_, std::string("damaged .npz member: ") + zip_file_strerror(file_));
        return static_cast<std::size_t>(got);
    }

private:
    zip_file_t* file_;
    const Where& at_;
};

std::size_t readFully(ByteSource& src, void* buf, std::size_t n)
{
    std::size_t done = 0;
    while (done < n) {
        const std::size_t got = src.read(static_cast<unsigned char*>(buf) + done, n - done);
        if (got == 0)
            break;
        done += got;
    }
    return done;
}

void readData(ByteSource& src, const Where& at, void* buf, std::size_t n)
{
    if (readFully(src, buf, n) != n)
        fail(at, "truncated: the data ends early");
}

// The header dict as numpy writes it, a Python literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// parsed strictly: exactly these three keys, plain quoted strings, True/False, a tuple of ints.
struct Header {
    std::string descr;
    bool fortranOrder = false;
    std::vector<std::uint64_t> shape;
};

class HeaderParser {
public:
    HeaderParser(const std::string& text, const Where& at) : s_(text), at_(at) {}

    Header parse()
    {
        Header h;
        bool seenDescr = false, seenOrder = false, seenShape = false;
        skipSpace();
        expect('{', "'{' opening the header dict");
        for (;;) {
            skipSpace();
            if (eat('}'))
                break;
            const std::string key = stringLiteral("a quoted key");
            skipSpace();
            expect(':', "':' after the key");
            skipSpace();
            if (key == "descr") {
                once(seenDescr, key);
                if (peek() == '[')
                    fail(at_, "has a structured (record) dtype; save each field as an array of its own");
                h.descr = stringLiteral("the dtype as a quoted string");
            } else if (key == "fortran_order") {
                once(seenOrder, key);
                h.fortranOrder = boolLiteral();
            } else if (key == "shape") {
                once(seenShape, key);
                h.shape = shapeTuple();
            } else {
                bad("unexpected key '" + key + "'");
            }
            skipSpace();
            if (eat(','))
                continue;
            expect('}', "',' or '}'");
            break;
        }
        skipSpace();
        if (pos_ != s_.size())
            bad("text after the closing '}'");
        if (!seenDescr || !seenOrder || !seenShape)
            bad(std::string("no '") + (!seenDescr ? "descr" : !seenOrder ? "fortran_order" : "shape") + "' key");
        return h;
    }

private:
    [[noreturn]] void bad(const std::string& why) const
    {
        std::string shown;
        for (std::size_t i = 0; i < s_.size() && i < 160; ++i) {
            const unsigned char c = static_cast<unsigned char>(s_[i]);
            if (c == '\n') {
                shown += "\\n";
            } else if (c < 0x20 || c >= 0x7f) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02x", c);
                shown += hex;
            } else {
                shown += static_cast<char>(c);
            }
        }
        if (s_.size() > 160)
            shown += "...";
        fail(at_, "bad .npy header (" + why + " at character " + std::to_string(pos_) + "): " + shown);
    }

    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    bool eat(char c)
    {
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c, const char* what)
    {
        if (!eat(c))
            bad(std::string("expected ") + what);
    }
    void skipSpace()
    {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    void once(bool& seen, const std::string& key)
    {
        if (seen)
            bad("key '" + key + "' given twice");
        seen = true;
    }

    std::string stringLiteral(const char* what)
    {
        const char quote = peek();
        if (quote != '\'' && quote != '"')
            bad(std::string("expected ") + what);
        ++pos_;
        std::string out;
        for (;;) {
            if (pos_ >= s_.size())
                bad("unterminated string");
            const unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == static_cast<unsigned char>(quote))
                break;
            if (c == '\n')
                bad("unterminated string");
            if (c == '\\')
                bad("an escape in a string");
            if (c < 0x20 || c >= 0x7f)
                bad("a control or non-ASCII character in a string");
            if (out.size() >= 64)
                bad("a string longer than 64 characters");
            out += static_cast<char>(c);
            ++pos_;
        }
        ++pos_;
        return out;
    }

    bool word(const char* w)
    {
        const std::size_t n = std::strlen(w);
        if (s_.compare(pos_, n, w) != 0)
            return false;
        const char next = pos_ + n < s_.size() ? s_[pos_ + n] : '\0';
        if (std::isalnum(static_cast<unsigned char>(next)) || next == '_')
            return false;
        pos_ += n;
        return true;
    }

    bool boolLiteral()
    {
        if (word("True"))
            return true;
        if (word("False"))
            return false;
        bad("expected True or False");
    }

    std::vector<std::uint64_t> shapeTuple()
    {
        if (peek() == '[')
            bad("the shape is a list, not a tuple");
        expect('(', "'(' opening the shape tuple");
        std::vector<std::uint64_t> dims;
        bool trailingComma = false;
        for (;;) {
            skipSpace();
            if (eat(')'))
                break;
            if (peek() == '-')
                fail(at_, "the shape has a negative dimension");
            if (!std::isdigit(static_cast<unsigned char>(peek())))
                bad("expected a dimension");
            std::uint64_t v = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                const std::uint64_t digit = static_cast<std::uint64_t>(s_[pos_++] - '0');
                if (v > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - digit) / 10)
                    fail(at_, "the shape has a dimension beyond 2^63");
                v = v * 10 + digit;
            }
            eat('L'); // Python 2's long literal, as numpy under Python 2 wrote it
            if (dims.size() == kMaxDims)
                fail(at_, "the shape has more than " + std::to_string(kMaxDims) + " dimensions");
            dims.push_back(v);
            skipSpace();
            trailingComma = eat(',');
            if (!trailingComma) {
                expect(')', "',' or ')' in the shape tuple");
                break;
            }
        }
        if (dims.size() == 1 && !trailingComma)
            bad("the shape (" + std::to_string(dims[0]) + ") is not a tuple (a 1-D shape is written (n,))");
        return dims;
    }

    const std::string& s_;
    const Where& at_;
    std::size_t pos_ = 0;
};

struct Dtype {
    char kind = 0;
    std::uint64_t itemBytes = 0;
};

Dtype parseDescr(const std::string& descr, const Where& at)
{
    const std::string unsupported = "dtype '" + descr +
                                    "' is not supported (float16/32/64, int or uint of 8 to 64 bits, bool, "
                                    "fixed-width str '<U' or bytes '|S' are)";
    std::string rest = descr;
    char order = '=';
    if (!rest.empty() && std::strchr("<>|=", rest[0])) {
        order = rest[0];
        rest.erase(0, 1);
    }
    if (rest.empty())
        fail(at, unsupported);
    const char type = rest[0];
    if (type == 'O')
        fail(at, "holds Python objects (pickle); save strings as a fixed-width str array: np.array(paths, dtype=str)");
    const std::string digits = rest.substr(1);
    if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        }))
        fail(at, unsupported);
    const std::uint64_t width = std::stoull(digits);
    Dtype d{type, width};
    std::uint64_t unit = width; // the bytes that byte order applies to
    switch (type) {
    case 'f':
        if (width != 2 && width != 4 && width != 8)
            fail(at, unsupported);
        break;
    case 'i':
    case 'u':
        if (width != 1 && width != 2 && width != 4 && width != 8)
            fail(at, unsupported);
        break;
    case 'b':
        if (width != 1)
            fail(at, unsupported);
        break;
    case 'U':
        if (width == 0)
            fail(at, "dtype '" + descr + "' has strings of no width");
        if (width > kMaxStringWidth)
            fail(at, "dtype '" + descr + "': strings wider than " + std::to_string(kMaxStringWidth) +
                         " characters are not read");
        d.itemBytes = 4 * width;
        unit = 4;
        break;
    case 'S':
        if (width == 0)
            fail(at, "dtype '" + descr + "' has strings of no width");
        if (width > kMaxStringWidth)
            fail(at, "dtype '" + descr + "': strings wider than " + std::to_string(kMaxStringWidth) +
                         " bytes are not read");
        unit = 1;
        break;
    default:
        fail(at, unsupported);
    }
    if (unit > 1 && order == '>') {
        std::string little = descr;
        little[0] = '<';
        fail(at, "dtype '" + descr + "' is big-endian; save it little-endian: arr.astype('" + little + "')");
    }
    if (unit > 1 && order == '|')
        fail(at, unsupported + "; '|' (no byte order) is only for single bytes");
    return d;
}

bool mulOverflows(std::uint64_t a, std::uint64_t b, std::uint64_t* out)
{
    return __builtin_mul_overflow(a, b, out);
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Decodes strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF); false when `s`
// is not valid UTF-8.
bool decodeUtf8(const std::string& s, std::vector<std::uint32_t>* out)
{
    if (out)
        out->clear();
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        std::size_t n = 0;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if (c >= 0xc2 && c < 0xe0) {
            cp = c & 0x1f;
            n = 2;
        } else if (c >= 0xe0 && c < 0xf0) {
            cp = c & 0x0f;
            n = 3;
        } else if (c >= 0xf0 && c < 0xf5) {
            cp = c & 0x07;
            n = 4;
        } else {
            return false;
        }
        if (i + n > s.size())
            return false;
        for (std::size_t k = 1; k < n; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
            return false;
        if (out)
            out->push_back(cp);
        i += n;
    }
    return true;
}

float halfToFloat(std::uint16_t h)
{
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    float v;
    if (exponent == 0)
        v = std::ldexp(static_cast<float>(mantissa), -24);
    else if (exponent == 31)
        v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else
        v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
    return (h & 0x8000) ? -v : v;
}

// Reads `count` values of T in chunks and stores convert(value, index) into `out`.
template <typename T, typename Out, typename Convert>
void readConverted(ByteSource& src, const Where& at, std::size_t count, std::vector<Out>& out, Convert convert)
{
    out.resize(count);
    std::vector<T> buf(std::min<std::size_t>(count, kChunkBytes / sizeof(T)));
    for (std::size_t done = 0; done < count;) {
        const std::size_t n = std::min(buf.size(), count - done);
        readData(src, at, buf.data(), n * sizeof(T));
        for (std::size_t i = 0; i < n; ++i)
            out[done + i] = convert(buf[i], done + i);
        done += n;
    }
}

void readStrings(ByteSource& src, const Where& at, std::size_t count, const Dtype& d, std::vector<std::string>& out)
{
    out.resize(count);
    const std::size_t item = static_cast<std::size_t>(d.itemBytes);
    if (count == 0)
        return;
    const std::size_t perChunk = std::max<std::size_t>(1, kChunkBytes / item);
    std::vector<unsigned char> buf(std::min(perChunk, count) * item);
    for (std::size_t done = 0; done < count;) {
        const std::size_t n = std::min(perChunk, count - done);
        readData(src, at, buf.data(), n * item);
        for (std::size_t k = 0; k < n; ++k) {
            const unsigned char* p = buf.data() + k * item;
            std::string& s = out[done + k];
            if (d.kind == 'S') {
                std::size_t len = item;
                while (len > 0 && p[len - 1] == 0)
                    --len;
                s.assign(reinterpret_cast<const char*>(p), len);
                continue;
            }
            std::size_t units = item / 4;
            while (units > 0 && std::all_of(p + 4 * (units - 1), p + 4 * units, [](unsigned char c) { return c == 0; }))
                --units;
            for (std::size_t u = 0; u < units; ++u) {
                std::uint32_t cp = 0;
                std::memcpy(&cp, p + 4 * u, 4);
                if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
                    char hex[16];
                    std::snprintf(hex, sizeof hex, "0x%x", static_cast<unsigned>(cp));
                    fail(at, "the string at index " + std::to_string(done + k) + " holds " + hex +
                                 ", which is not a Unicode character");
                }
                appendUtf8(s, cp);
            }
        }
        done += n;
    }
}

// Reads one .npy array from `src`, which holds `streamBytes` bytes (the file's size, or the size a
// .npz member claims, already bounded by the archive's bytes). Nothing is allocated for the data
// before the header, `streamBytes` and `maxBytes` all agree on its size.
NpyArray readNpy(ByteSource& src, const Where& at, std::uint64_t streamBytes, std::uint64_t maxBytes,
                 std::uint64_t* charged)
{
    unsigned char pre[12];
    if (readFully(src, pre, 8) < 8 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
        fail(at, "not a .npy array (it does not start with \\x93NUMPY)");
    const int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        fail(at, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                     " (1.0, 2.0 and 3.0 are read)");
    const std::size_t lengthBytes = major == 1 ? 2 : 4;
    if (readFully(src, pre + 8, lengthBytes) < lengthBytes)
        fail(at, "truncated: the file ends inside the .npy header");
    std::uint64_t headerBytes = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i)
        headerBytes |= static_cast<std::uint64_t>(pre[8 + i]) << (8 * i);
    if (headerBytes > kMaxHeaderBytes)
        fail(at, "the .npy header claims " + std::to_string(headerBytes) + " bytes, more than the " +
                     std::to_string(kMaxHeaderBytes) + " allowed");
    const std::uint64_t preamble = 8 + lengthBytes + headerBytes;
    if (preamble > streamBytes)
        fail(at, "truncated: the file ends inside the .npy header");
    std::string text(static_cast<std::size_t>(headerBytes), '\0');
    if (readFully(src, text.data(), text.size()) < text.size())
        fail(at, "truncated: the file ends inside the .npy header");

    const Header h = HeaderParser(text, at).parse();
    const Dtype d = parseDescr(h.descr, at);
    const std::string what = "shape " + shapeText(h.shape) + " of dtype '" + h.descr + "'";
    if (h.fortranOrder && std::count_if(h.shape.begin(), h.shape.end(), [](std::uint64_t n) { return n > 1; }) > 1)
        fail(at, "is stored in Fortran (column-major) order; save np.ascontiguousarray(arr) instead");

    std::uint64_t count = 1;
    if (std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end())
        count = 0;
    for (std::uint64_t n : h.shape)
        if (count && mulOverflows(count, n, &count))
            fail(at, "the shape " + shapeText(h.shape) + " has more elements than can be counted");
    std::uint64_t dataBytes = 0, decodedBytes = 0;
    const std::uint64_t decodedItem = d.kind == 'f'                    ? sizeof(float)
                                      : d.kind == 'U' || d.kind == 'S' ? sizeof(std::string) + d.itemBytes
                                                                       : sizeof(std::int64_t);
    if (mulOverflows(count, d.itemBytes, &dataBytes) || mulOverflows(count, decodedItem, &decodedBytes))
        fail(at, what + " takes more bytes than can be counted");
    const std::uint64_t needed = std::max(dataBytes, decodedBytes);
    if (needed > maxBytes || needed > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
        fail(at, what + " takes " + std::to_string(needed) + " bytes, more than the " + std::to_string(maxBytes) +
                     " allowed");
    *charged = needed;
    const std::uint64_t held = streamBytes - preamble;
    if (held < dataBytes)
        fail(at, "truncated: " + what + " needs " + std::to_string(dataBytes) + " bytes of data, the file holds " +
                     std::to_string(held));
    if (held > dataBytes)
        fail(at, std::to_string(held) + " bytes of data follow the header, but " + what + " describes " +
                     std::to_string(dataBytes));

    NpyArray a;
    a.shape.assign(h.shape.begin(), h.shape.end());
    a.kind = d.kind;
    a.itemBytes = static_cast<int>(d.itemBytes);
    const std::size_t n = static_cast<std::size_t>(count);
    switch (d.kind) {
    case 'f':
        if (d.itemBytes == 4) {
            a.floats.resize(n);
            readData(src, at, a.floats.data(), n * sizeof(float));
        } else if (d.itemBytes == 8) {
            readConverted<double>(src, at, n, a.floats, [&](double v, std::size_t i) {
                // Values from FLT_MAX up to half an ulp above it round to FLT_MAX; beyond, a float has none.
                if (std::isfinite(v) && std::fabs(v) >= 0x1.ffffffp127)
                    fail(at,
                         "the value " + shortNumber(v) + " at index " + std::to_string(i) + " is beyond float32 range");
                return static_cast<float>(v);
            });
        } else {
            readConverted<std::uint16_t>(src, at, n, a.floats,
                                         [](std::uint16_t v, std::size_t) { return halfToFloat(v); });
        }
        break;
    case 'i':
        if (d.itemBytes == 8) {
            a.ints.resize(n);
            readData(src, at, a.ints.data(), n * sizeof(std::int64_t));
        } else if (d.itemBytes == 4) {
            readConverted<std::int32_t>(src, at, n, a.ints, [](std::int32_t v, std::size_t) { return v; });
        } else if (d.itemBytes == 2) {
            readConverted<std::int16_t>(src, at, n, a.ints, [](std::int16_t v, std::size_t) { return v; });
        } else {
            readConverted<std::int8_t>(src, at, n, a.ints, [](std::int8_t v, std::size_t) { return v; });
        }
        break;
    case 'u':
        if (d.itemBytes == 8) {
            readConverted<std::uint64_t>(src, at, n, a.ints, [&](std::uint64_t v, std::size_t i) {
                if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    fail(at, "the value " + std::to_string(v) + " at index " + std::to_string(i) +
                                 " is beyond int64 range");
                return static_cast<std::int64_t>(v);
            });
        } else if (d.itemBytes == 4) {
            readConverted<std::uint32_t>(src, at, n, a.ints, [](std::uint32_t v, std::size_t) { return v; });
        } else if (d.itemBytes == 2) {
            readConverted<std::uint16_t>(src, at, n, a.ints, [](std::uint16_t v, std::size_t) { return v; });
        } else {
            readConverted<std::uint8_t>(src, at, n, a.ints, [](std::uint8_t v, std::size_t) { return v; });
        }
        break;
    case 'b':
        readConverted<std::uint8_t>(src, at, n, a.ints,
                                    [](std::uint8_t v, std::size_t) { return std::int64_t(v != 0); });
        break;
    default:
        readStrings(src, at, n, d, a.strings);
    }
    // Nothing may follow; for a .npz member this last read also has libzip check the CRC.
    unsigned char extra = 0;
    if (src.read(&extra, 1) != 0)
        fail(at, "more data follows than the header describes");
    return a;
}

void checkWantedName(const std::string& name)
{
    if (name.empty() || name.find('/') != std::string::npos || name.find('\0') != std::string::npos || name == "." ||
        name == "..")
        throw std::invalid_argument("readNpyArrays: bad array name '" + name + "'");
}

std::map<std::string, NpyArray> readFolder(const std::string& folder, const std::vector<std::string>& wanted,
                                           std::uint64_t maxBytes)
{
    std::map<std::string, NpyArray> out;
    for (const std::string& name : wanted) {
        if (out.count(name))
            continue;
        const std::string file = (fs::path(folder) / (name + ".npy")).string();
        struct stat st;
        if (::stat(file.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
            continue;
        std::uint64_t size = 0;
        const int fd = openRegularFile(file, {}, &size);
        const Where at{file, name};
        FdSource src(fd, at);
        std::uint64_t charged = 0;
        out.emplace(name, readNpy(src, at, size, maxBytes, &charged));
        maxBytes -= std::min(maxBytes, charged); // the cap holds for the arrays together
    }
    return out;
}

std::string zipErrorText(int code)
{
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    std::string text = zip_error_strerror(&e);
    zip_error_fini(&e);
    return text;
}

struct ArchiveCloser {
    void operator()(zip_t* za) const { zip_discard(za); }
};

std::map<std::string, NpyArray> readArchive(const std::string& path, const std::vector<std::string>& wanted,
                                            std::uint64_t maxBytes)
{
    const Where archiveAt{path, {}};
    std::uint64_t archiveBytes = 0;
    const int fd = openRegularFile(path, {}, &archiveBytes);
    if (archiveBytes == 0) {
        ::close(fd);
        fail(archiveAt, "the file is empty, not a .npz archive");
    }
    int code = 0;
    std::unique_ptr<zip_t, ArchiveCloser> za(zip_fdopen(fd, ZIP_CHECKCONS, &code));
    if (!za) {
        ::close(fd);
        fail(archiveAt, code == ZIP_ER_NOZIP
                            ? std::string("not a .npz archive (not a ZIP file, or a damaged one; np.savez writes them)")
                            : "damaged .npz archive: " + zipErrorText(code));
    }
    std::map<std::string, NpyArray> out;
    for (const std::string& name : wanted) {
        if (out.count(name))
            continue;
        const std::string member = name + ".npy";
        const zip_int64_t index = zip_name_locate(za.get(), member.c_str(), 0);
        if (index < 0)
            continue;
        const Where at{path, name};
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0)
            fail(at, std::string("damaged .npz member: ") + zip_strerror(za.get()));
        const zip_uint64_t needed =
            ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        if ((st.valid & needed) != needed)
            fail(at, "damaged .npz member: its sizes are not known");
        if (st.encryption_method != ZIP_EM_NONE)
            fail(at, "the .npz member is encrypted");
        if (st.comp_size > archiveBytes)
            fail(at, "damaged .npz member: it claims " + std::to_string(st.comp_size) +
                         " compressed bytes in an archive of " + std::to_string(archiveBytes));
        if (st.comp_method == ZIP_CM_STORE) {
            if (st.size != st.comp_size)
                fail(at, "damaged .npz member: stored uncompressed, yet it claims " + std::to_string(st.size) +
                             " bytes in " + std::to_string(st.comp_size));
        } else if (st.comp_method == ZIP_CM_DEFLATE) {
            if (st.size > st.comp_size * kDeflateMaxRatio + kDeflateSlack)
                fail(at, "damaged or hostile .npz member: it claims to inflate from " + std::to_string(st.comp_size) +
                             " to " + std::to_string(st.size) + " bytes, more than deflate can");
        } else {
            fail(at, "the .npz member is compressed with method " + std::to_string(st.comp_method) +
                         "; stored and deflated members (np.savez, np.savez_compressed) are read");
        }
        zip_file_t* file = zip_fopen_index(za.get(), static_cast<zip_uint64_t>(index), 0);
        if (!file)
            fail(at, std::string("damaged .npz member: ") + zip_strerror(za.get()));
        ZipMemberSource src(file, at);
        std::uint64_t charged = 0;
        out.emplace(name, readNpy(src, at, st.size, maxBytes, &charged));
        maxBytes -= std::min(maxBytes, charged); // the cap holds for the arrays together
    }
    return out;
}

// ---- writing ----

// One member's bytes: the .npy preamble, then the caller's data (or its strings, encoded one at a
// time as they are read), served to libzip through zip_source_function.
struct Member {
    std::string name;
    std::string preamble;
    const unsigned char* data = nullptr;
    const std::vector<std::string>* strings = nullptr;
    bool utf32 = false;
    std::size_t itemBytes = 0;
    std::uint64_t dataBytes = 0;
    std::uint64_t pos = 0;
    std::size_t encodedIndex = std::numeric_limits<std::size_t>::max();
    std::string encoded;
    std::time_t mtime = 0;
    zip_error_t error;

    Member() { zip_error_init(&error); }
    ~Member() { zip_error_fini(&error); }
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;

    std::uint64_t total() const { return preamble.size() + dataBytes; }

    void encode(std::size_t index)
    {
        const std::string& s = (*strings)[index];
        encoded.assign(itemBytes, '\0');
        if (!utf32) {
            std::memcpy(encoded.data(), s.data(), s.size());
        } else {
            std::vector<std::uint32_t> cps;
            decodeUtf8(s, &cps);
            if (!cps.empty())
                std::memcpy(encoded.data(), cps.data(), cps.size() * 4);
        }
        encodedIndex = index;
    }

    zip_int64_t read(unsigned char* out, zip_uint64_t len)
    {
        zip_uint64_t done = 0;
        while (done < len && pos < total()) {
            zip_uint64_t n = 0;
            if (pos < preamble.size()) {
                n = std::min<zip_uint64_t>(len - done, preamble.size() - pos);
                std::memcpy(out + done, preamble.data() + pos, n);
            } else {
                const std::uint64_t offset = pos - preamble.size();
                if (data) {
                    n = std::min<zip_uint64_t>(len - done, dataBytes - offset);
                    std::memcpy(out + done, data + offset, n);
                } else {
                    const std::size_t index = static_cast<std::size_t>(offset / itemBytes);
                    const std::size_t within = static_cast<std::size_t>(offset % itemBytes);
                    if (index != encodedIndex)
                        encode(index);
                    n = std::min<zip_uint64_t>(len - done, itemBytes - within);
                    std::memcpy(out + done, encoded.data() + within, n);
                }
            }
            pos += n;
            done += n;
        }
        return static_cast<zip_int64_t>(done);
    }
};

zip_int64_t memberCallback(void* user, void* data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    Member& m = *static_cast<Member*>(user);
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        m.pos = 0;
        return 0;
    case ZIP_SOURCE_READ:
        return m.read(static_cast<unsigned char*>(data), len);
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
        return 0;
    case ZIP_SOURCE_STAT: {
        if (len < sizeof(zip_stat_t)) {
            zip_error_set(&m.error, ZIP_ER_INVAL, 0);
            return -1;
        }
        zip_stat_t* st = static_cast<zip_stat_t*>(data);
        zip_stat_init(st);
        st->size = m.total();
        st->mtime = m.mtime;
        st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&m.error, data, len);
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
        zip_error_set(&m.error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

// The .npy preamble numpy writes: magic, version, header length, the dict padded with spaces and
// ended by a newline so that the data starts at a multiple of 64 bytes.
std::string npyPreamble(const std::string& descr, const std::vector<std::size_t>& shape)
{
    std::vector<std::uint64_t> dims(shape.begin(), shape.end());
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText(dims) + ", }";
    const bool v1 = dict.size() + 1 + 10 + 63 <= 65535;
    const std::size_t fixed = v1 ? 10 : 12;
    const std::size_t padding = (64 - (fixed + dict.size() + 1) % 64) % 64;
    dict.append(padding, ' ');
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += static_cast<char>(v1 ? 1 : 2);
    out += '\0';
    for (std::size_t i = 0; i < fixed - 8; ++i)
        out += static_cast<char>((dict.size() >> (8 * i)) & 0xff);
    return out + dict;
}

std::unique_ptr<Member> makeMember(const NpyOut& a, const std::string& path)
{
    const auto bad = [&](const std::string& why) {
        throw std::invalid_argument("writeNpz '" + path + "': array '" + a.name + "': " + why);
    };
    if (a.name.empty() || a.name.find('/') != std::string::npos || a.name.find('\0') != std::string::npos)
        bad("not a usable member name");
    const int pointers = (a.f32 != nullptr) + (a.i64 != nullptr) + (a.strings != nullptr);
    if (pointers > 1)
        bad("more than one data pointer is set");
    const char kind = a.f32 ? 'f' : a.i64 ? 'i' : a.strings ? 'U' : a.kind;
    if (a.kind && a.kind != kind)
        bad("its kind does not match the data pointer set");
    if (kind != 'f' && kind != 'i' && kind != 'U')
        bad("no data pointer is set and no kind given");
    std::uint64_t count = 1;
    for (std::size_t n : a.shape)
        if (mulOverflows(count, n, &count))
            bad("its shape has more elements than can be counted");

    auto m = std::make_unique<Member>();
    m->name = a.name;
    m->mtime = std::time(nullptr);
    std::string descr;
    if (kind == 'U') {
        static const std::vector<std::string> none;
        m->strings = a.strings ? a.strings : &none;
        if (m->strings->size() != count)
            bad("its shape holds " + std::to_string(count) + " elements, but " + std::to_string(m->strings->size()) +
                " strings are given");
        bool utf8 = true;
        std::size_t widest = 1, longest = 1;
        std::vector<std::uint32_t> cps;
        for (const std::string& s : *m->strings) {
            longest = std::max(longest, s.size());
            if (utf8 && decodeUtf8(s, &cps))
                widest = std::max(widest, cps.size());
            else
                utf8 = false;
        }
        if (longest > kMaxStringWidth)
            bad("a string is longer than " + std::to_string(kMaxStringWidth) + " bytes");
        m->utf32 = utf8;
        m->itemBytes = utf8 ? 4 * widest : longest;
        descr = utf8 ? "<U" + std::to_string(widest) : "|S" + std::to_string(longest);
    } else {
        const void* p = kind == 'f' ? static_cast<const void*>(a.f32) : static_cast<const void*>(a.i64);
        m->itemBytes = kind == 'f' ? 4 : 8;
        m->data = static_cast<const unsigned char*>(p);
        if (!m->data && count > 0)
            bad("no data pointer is set for a shape with elements");
        descr = kind == 'f' ? "<f4" : "<i8";
    }
    if (mulOverflows(count, m->itemBytes, &m->dataBytes))
        bad("its data takes more bytes than can be counted");
    m->preamble = npyPreamble(descr, a.shape);
    return m;
}

} // namespace

std::map<std::string, NpyArray> readNpyArrays(const std::string& path, const std::vector<std::string>& wanted,
                                              std::uint64_t maxBytes)
{
    for (const std::string& name : wanted)
        checkWantedName(name);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return readFolder(path, wanted, maxBytes);
    return readArchive(path, wanted, maxBytes);
}

void writeNpz(const std::string& path, const std::vector<NpyOut>& arrays)
{
    if (arrays.empty())
        throw std::invalid_argument("writeNpz '" + path + "': no arrays to write");
    std::vector<std::unique_ptr<Member>> members;
    std::set<std::string> names;
    for (const NpyOut& a : arrays) {
        if (!names.insert(a.name).second)
            throw std::invalid_argument("writeNpz '" + path + "': array '" + a.name + "' is given twice");
        members.push_back(makeMember(a, path));
    }

    const fs::path tmp = temporaryNameFor(path);
    const auto cannot = [&](const std::string& why) { throw Error("cannot write '" + path + "': " + why); };
    int code = 0;
    zip_t* za = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_EXCL, &code);
    if (!za)
        cannot(zipErrorText(code));
    for (const auto& m : members) {
        zip_source_t* src = zip_source_function(za, memberCallback, m.get());
        if (!src) {
            const std::string why = zip_strerror(za);
            zip_discard(za);
            cannot(why);
        }
        const zip_int64_t index = zip_file_add(za, (m->name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            const std::string why = zip_strerror(za);
            zip_source_free(src);
            zip_discard(za);
            cannot(why);
        }
        if (zip_set_file_compression(za, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0) {
            const std::string why = zip_strerror(za);
            zip_discard(za);
            cannot(why);
        }
    }
    // zip_close writes the archive (into a temporary file of its own, renamed to `tmp`).
    if (zip_close(za) != 0) {
        const std::string why = zip_strerror(za);
        zip_discard(za);
        std::error_code ignored;
        fs::remove(tmp, ignored);
        cannot(why);
    }
    replaceWithTemporary(tmp.string(), path);
}

} // namespace oodlens
