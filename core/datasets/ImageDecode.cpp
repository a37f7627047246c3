// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/ImageDecode.h"

#include "common/Error.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace oodlens {
namespace {

// Larger files are refused before they are read: no image dataset holds single images this big.
constexpr long kMaxFileBytes = 1L << 30;

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw Error("cannot read '" + path + "': " + problem);
}

std::vector<std::uint8_t> readWholeFile(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        fail(path, std::strerror(errno));
    std::vector<std::uint8_t> bytes;
    long size = -1;
    if (std::fseek(f, 0, SEEK_END) == 0)
        size = std::ftell(f);
    if (size < 0 || std::fseek(f, 0, SEEK_SET) != 0) {
        const int err = errno;
        std::fclose(f);
        fail(path, err ? std::strerror(err) : "cannot determine the file size");
    }
    if (size > kMaxFileBytes) {
        std::fclose(f);
        fail(path, "file too large for an image (" + std::to_string(size) + " bytes)");
    }
    bytes.resize(static_cast<std::size_t>(size));
    const std::size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
    const bool error = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (error)
        fail(path, std::strerror(err));
    bytes.resize(got);
    return bytes;
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

ImageU8 decodeImageFile(const std::string& path)
{
    const std::vector<std::uint8_t> bytes = readWholeFile(path);
    if (bytes.empty())
        fail(path, "empty file, not a decodable image");
    cv::Mat decoded;
    try {
        decoded =
            cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data())),
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
