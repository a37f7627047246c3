// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "datasets/Image.h"

#include <string>

namespace oodlens {

// True when the file name ends with an image extension the folder and CSV readers decode:
// .png .jpg .jpeg .bmp .tif .tiff .webp, in any letter case.
bool hasImageExtension(const std::string& path);

// Reads and decodes one image file (PNG, JPEG, BMP, TIFF, WebP; any size), by content, not by
// extension. The result is 8-bit RGB, or 1-channel gray when the file is gray:
// - 16-bit samples are scaled to 8 bits (round(v / 257), i.e. v / 65535 * 255);
// - an alpha channel is dropped (not composited), so gray+alpha comes out as RGB with R = G = B;
// - OpenCV's BGR order is converted to RGB;
// - EXIF orientation is not applied (like torchvision's PIL loader).
// Throws Error "cannot read '<path>': <problem>" when the file cannot be opened, is not a decodable
// image, or holds samples other than 8- or 16-bit unsigned integers. Safe to call from several
// threads at once.
ImageU8 decodeImageFile(const std::string& path);

} // namespace oodlens
