// SPDX-License-Identifier: GPL-3.0-or-later
// The image decode path: decodeImageFile (size checks before decoding, OpenCV's decoders) and then
// preprocessing under the ImageNet preset (resize of the shorter side, centre crop), as a run does.
#include "FuzzSupport.h"
#include "datasets/ImageDecode.h"
#include "features/Preprocess.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The extension follows the magic bytes, as a user's folder would have it; else the first byte picks.
    static const char* const names[] = {"x.png", "x.jpg", "x.bmp", "x.tif", "x.webp"};
    std::size_t pick = size ? data[0] % 5 : 0;
    if (size >= 4 && data[0] == 0x89 && data[1] == 'P')
        pick = 0;
    else if (size >= 3 && data[0] == 0xff && data[1] == 0xd8)
        pick = 1;
    const std::string path = oodlens::fuzz::writeInput(names[pick], data, size);
    try {
        const oodlens::ImageU8 image = oodlens::decodeImageFile(path);
        const oodlens::PreprocessSpec spec = oodlens::PreprocessSpec::preset("imagenet");
        int h = 0, w = 0;
        oodlens::preprocessedSize(spec, image.height, image.width, h, w);
        std::vector<float> out(static_cast<std::size_t>(spec.channels) * h * w);
        oodlens::preprocessImage(image, spec, out.data());
    } catch (const oodlens::Error&) {
    }
    return 0;
}
