// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "datasets/Image.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace oodlens {

// The default bound on the pixels (width x height) of one image: 100 megapixels, more than any
// camera's photo and far more than a classifier's input. A larger image is refused from its header,
// before it is decoded (a 1.7 KB JPEG can claim 30,000 x 30,000 pixels, 2.7 GB decoded). Runs
// change it with RunConfig::maxPixels (`--max-pixels N`).
constexpr std::uint64_t kDefaultMaxImagePixels = 100'000'000;

// True when the file name ends with an image extension the folder and CSV readers decode:
// .png .jpg .jpeg .bmp .tif .tiff .webp, in any letter case.
bool hasImageExtension(const std::string& path);

// What the header of an image file says, read without decoding: the format and the size, and
// for PNG and JPEG whether the data is complete (a PNG reaches its IEND chunk; a JPEG, walked
// marker by marker, reaches its end-of-image marker).
struct ImageHeader {
    std::string format; // "PNG", "JPEG", "BMP", "TIFF", "WebP"; empty when not recognised
    std::uint64_t width = 0, height = 0;
    bool complete = true;
    std::string problem; // why the header cannot be used (the format was recognised), else empty
};
ImageHeader readImageHeader(const std::uint8_t* data, std::size_t size);

// Reads and decodes one image file (PNG, JPEG, BMP, TIFF, WebP, recognised by content, not by
// extension). The result is 8-bit RGB, or 1-channel gray when the file is gray:
// - 16-bit samples are scaled to 8 bits (round(v / 257), i.e. v / 65535 * 255);
// - an alpha channel is dropped (not composited), so gray+alpha comes out as RGB with R = G = B;
// - OpenCV's BGR order is converted to RGB;
// - EXIF orientation is not applied (like torchvision's PIL loader).
// Before decoding, the header is checked (readImageHeader): more than `maxPixels` pixels (0: no
// bound), a truncated PNG or JPEG, or a format other than the five above is refused.
// Throws Error "cannot read '<path>': <problem>" when the file cannot be opened, is not a regular
// file, is refused by these checks, is not a decodable image, or holds samples other than 8- or
// 16-bit unsigned integers. Safe to call from several threads at once.
ImageU8 decodeImageFile(const std::string& path, std::uint64_t maxPixels = kDefaultMaxImagePixels);

} // namespace oodlens
