// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/ImageDecode.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace oodlens {
namespace {

// Larger files are refused before they are read: no image dataset holds single images this big.
constexpr std::uint64_t kMaxFileBytes = 1ull << 30;

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw Error("cannot read '" + path + "': " + problem);
}

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t le32(const std::uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }
std::uint64_t le64(const std::uint8_t* p) { return (std::uint64_t(le32(p + 4)) << 32) | le32(p); }
std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t(be32(p)) << 32) | be32(p + 4); }

// PNG: the IHDR chunk gives the size; the chunks must lead to IEND within the file.
void pngHeader(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n < 33 || be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0) {
        h.problem = "PNG without an IHDR chunk";
        return;
    }
    h.width = be32(d + 16);
    h.height = be32(d + 20);
    h.complete = false;
    for (std::size_t pos = 8; pos + 12 <= n;) {
        const std::uint64_t len = be32(d + pos);
        if (len > n - pos - 12)
            break;
        if (std::memcmp(d + pos + 4, "IEND", 4) == 0) {
            h.complete = true;
            break;
        }
        pos += 12 + static_cast<std::size_t>(len);
    }
}

// JPEG: markers are walked from SOI; a start-of-frame marker gives the size, and the entropy-coded
// data after each start-of-scan is skipped (FF 00 stuffing, RSTn) up to the next marker, until EOI.
// APPn segments (with an EXIF thumbnail that has its own EOI) are skipped by their length.
void jpegHeader(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    h.complete = false;
    std::size_t pos = 2;
    bool frame = false;
    while (pos + 1 < n) {
        if (d[pos] != 0xFF) {
            h.problem = "corrupt JPEG (no marker where one was expected, at byte " + std::to_string(pos) + ")";
            return;
        }
        const std::uint8_t m = d[pos + 1];
        if (m == 0xFF) { // fill byte
            ++pos;
            continue;
        }
        if (m == 0xD9) {
            h.complete = true;
            break;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (pos + 4 > n)
            break;
        const std::size_t len = be16(d + pos + 2);
        if (len < 2)
            break;
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof && !frame) {
            if (pos + 9 > n)
                break;
            h.height = be16(d + pos + 5);
            h.width = be16(d + pos + 7);
            frame = true;
        }
        pos += 2 + len;
        if (m == 0xDA) { // start of scan: skip the entropy-coded data
            while (pos + 1 < n) {
                if (d[pos] != 0xFF) {
                    ++pos;
                    continue;
                }
                const std::uint8_t next = d[pos + 1];
                if (next == 0x00 || next == 0xFF || (next >= 0xD0 && next <= 0xD7)) {
                    pos += next == 0xFF ? 1 : 2;
                    continue;
                }
                break; // a marker
            }
        }
    }
    if (!frame)
        h.problem = h.complete ? "JPEG without a frame header" : "truncated JPEG (the data ends before the frame header)";
    else if (h.height == 0)
        h.problem = "JPEG whose frame header gives no height (DNL marker, not supported)";
}

// BMP: BITMAPCOREHEADER (12 bytes, 16-bit sizes) or a later header (signed 32-bit sizes; a negative
// height means top-down rows).
void bmpHeader(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n < 26) {
        h.problem = "truncated BMP header";
        return;
    }
    const std::uint32_t dib = le32(d + 14);
    if (dib == 12) {
        h.width = le16(d + 18);
        h.height = le16(d + 20);
        return;
    }
    const auto w = static_cast<std::int32_t>(le32(d + 18));
    const auto ht = static_cast<std::int32_t>(le32(d + 22));
    h.width = static_cast<std::uint64_t>(w < 0 ? -static_cast<std::int64_t>(w) : w);
    h.height = static_cast<std::uint64_t>(ht < 0 ? -static_cast<std::int64_t>(ht) : ht);
}

// TIFF (and BigTIFF): tags 256 (ImageWidth) and 257 (ImageLength) of the first image directory,
// the one OpenCV decodes.
void tiffHeader(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    const bool little = d[0] == 'I';
    auto u16 = [&](std::size_t at) { return little ? le16(d + at) : be16(d + at); };
    auto u32 = [&](std::size_t at) { return little ? le32(d + at) : be32(d + at); };
    auto u64 = [&](std::size_t at) { return little ? le64(d + at) : be64(d + at); };
    const bool big = u16(2) == 43;
    const std::uint64_t ifd = big ? (n >= 16 ? u64(8) : 0) : u32(4);
    const std::size_t countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12;
    if (ifd < 8 || ifd > n || n - ifd < countBytes) {
        h.problem = "truncated TIFF (no image directory)";
        return;
    }
    const std::uint64_t count = big ? u64(static_cast<std::size_t>(ifd)) : u16(static_cast<std::size_t>(ifd));
    const std::size_t first = static_cast<std::size_t>(ifd) + countBytes;
    for (std::uint64_t k = 0; k < count && first + (k + 1) * entryBytes <= n; ++k) {
        const std::size_t e = first + static_cast<std::size_t>(k) * entryBytes;
        const std::uint32_t tag = u16(e), type = u16(e + 2);
        const std::size_t value = e + (big ? 12 : 8);
        std::uint64_t v = 0;
        if (type == 3)
            v = u16(value);
        else if (type == 4)
            v = u32(value);
        else if (type == 16 && big)
            v = u64(value);
        else
            continue;
        if (tag == 256)
            h.width = v;
        else if (tag == 257)
            h.height = v;
    }
    if (h.width == 0 || h.height == 0)
        h.problem = "TIFF whose first image directory gives no width or height";
}

// WebP: the size is in the VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk.
void webpHeader(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n >= 30 && std::memcmp(d + 12, "VP8 ", 4) == 0 && d[23] == 0x9D && d[24] == 0x01 && d[25] == 0x2A) {
        h.width = le16(d + 26) & 0x3FFF;
        h.height = le16(d + 28) & 0x3FFF;
    } else if (n >= 25 && std::memcmp(d + 12, "VP8L", 4) == 0 && d[20] == 0x2F) {
        const std::uint32_t bits = le32(d + 21);
        h.width = (bits & 0x3FFF) + 1;
        h.height = ((bits >> 14) & 0x3FFF) + 1;
    } else if (n >= 30 && std::memcmp(d + 12, "VP8X", 4) == 0) {
        h.width = (std::uint64_t(d[24]) | (std::uint64_t(d[25]) << 8) | (std::uint64_t(d[26]) << 16)) + 1;
        h.height = (std::uint64_t(d[27]) | (std::uint64_t(d[28]) << 8) | (std::uint64_t(d[29]) << 16)) + 1;
    } else {
        h.problem = "WebP without a VP8, VP8L or VP8X chunk";
    }
}

const char* depthName(int depth)
{
    switch (depth) {
    case CV_8S:
        return "8-bit signed";
    case CV_16S:
        return "16-bit signed";
    case CV_32S:
        return "32-bit integer";
    case CV_32F:
        return "32-bit float";
    case CV_64F:
        return "64-bit float";
    default:
        return "unknown";
    }
}

} // namespace

ImageHeader readImageHeader(const std::uint8_t* d, std::size_t n)
{
    ImageHeader h;
    if (n >= 8 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
        h.format = "PNG";
        pngHeader(d, n, h);
    } else if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        h.format = "JPEG";
        jpegHeader(d, n, h);
    } else if (n >= 2 && d[0] == 'B' && d[1] == 'M') {
        h.format = "BMP";
        bmpHeader(d, n, h);
    } else if (n >= 8 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0) ||
                          (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43)))) {
        h.format = "TIFF";
        tiffHeader(d, n, h);
    } else if (n >= 16 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
        h.format = "WebP";
        webpHeader(d, n, h);
    }
    return h;
}

bool hasImageExtension(const std::string& path)
{
    const auto slash = path.find_last_of("/\\");
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return false;
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* known : {"png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"})
        if (ext == known)
            return true;
    return false;
}

ImageU8 decodeImageFile(const std::string& path, std::uint64_t maxPixels)
{
    const std::string file = readRegularFile(path, kMaxFileBytes);
    const auto* data = reinterpret_cast<const std::uint8_t*>(file.data());
    if (file.empty())
        fail(path, "empty file, not a decodable image");
    // The header is checked before the decoder sees the file: the decoders allocate what the
    // header claims, and libjpeg fills a truncated file with grey instead of failing.
    const ImageHeader header = readImageHeader(data, file.size());
    if (header.format.empty())
        fail(path, "not a decodable image (not a PNG, JPEG, BMP, TIFF or WebP file)");
    if (!header.problem.empty())
        fail(path, header.problem);
    if (header.width == 0 || header.height == 0)
        fail(path, header.format + " header gives a size of " + std::to_string(header.width) + " x " +
                       std::to_string(header.height) + " pixels");
    if (maxPixels > 0 && header.width * header.height > maxPixels)
        fail(path, header.format + " header gives " + std::to_string(header.width) + " x " +
                       std::to_string(header.height) + " = " + std::to_string(header.width * header.height) +
                       " pixels, more than the limit of " + std::to_string(maxPixels) +
                       " (--max-pixels); not decoded");
    if (!header.complete)
        fail(path, "truncated " + header.format + " file (" + std::to_string(file.size()) + " bytes; " +
                       (header.format == "PNG" ? "no IEND chunk" : "no end-of-image marker") + ")");
    cv::Mat decoded;
    try {
        decoded =
            cv::imdecode(cv::Mat(1, static_cast<int>(file.size()), CV_8UC1, const_cast<std::uint8_t*>(data)),
                         cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
        decoded.release(); // some decoders throw on corrupt data instead of returning an empty image
    }
    if (decoded.empty() || decoded.dims != 2 || decoded.rows <= 0 || decoded.cols <= 0)
        fail(path, "not a decodable image");

    cv::Mat u8;
    if (decoded.depth() == CV_8U)
        u8 = decoded;
    else if (decoded.depth() == CV_16U)
        decoded.convertTo(u8, CV_8U, 1.0 / 257.0); // rounds to nearest: v / 65535 * 255
    else
        fail(path, std::string("unsupported sample format (") + depthName(decoded.depth()) +
                       "; only 8- and 16-bit unsigned images are read)");

    cv::Mat out;
    switch (u8.channels()) {
    case 1:
        out = u8;
        break;
    case 2: // gray + alpha
        cv::extractChannel(u8, out, 0);
        break;
    case 3:
        cv::cvtColor(u8, out, cv::COLOR_BGR2RGB);
        break;
    case 4:
        cv::cvtColor(u8, out, cv::COLOR_BGRA2RGB);
        break;
    default:
        fail(path, "unsupported channel count " + std::to_string(u8.channels()));
    }
    if (!out.isContinuous())
        out = out.clone();

    ImageU8 img;
    img.width = out.cols;
    img.height = out.rows;
    img.channels = out.channels();
    img.pixels.assign(out.data, out.data + out.total() * out.elemSize());
    return img;
}

} // namespace oodlens
