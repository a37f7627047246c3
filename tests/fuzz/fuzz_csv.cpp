// SPDX-License-Identifier: GPL-3.0-or-later
// CSV image lists: RFC 4180 quoting, the header rule, labels and label names. The listed files
// mostly do not exist; one that does (a.png, a tiny valid PNG written once) is decoded.
#include "FuzzSupport.h"
#include "datasets/Dataset.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // A 2 x 2 RGB PNG.
    static const std::uint8_t png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49,
        0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xe0, 0x3a, 0x21, 0x07, 0x44, 0x0c, 0x10, 0x0a, 0x00, 0x19, 0xfe, 0x03, 0xc1,
        0xab, 0x30, 0x1f, 0x52, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    oodlens::fuzz::writeInput("a.png", png, sizeof png);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string path = oodlens::fuzz::writeInput("list.csv", data, size);
    try {
        auto d = oodlens::openDataset(path);
        (void)d->classNames();
        for (std::size_t i = 0; i < d->size() && i < 8; ++i) {
            (void)d->label(i);
            (void)d->itemPath(i);
            try {
                (void)d->image(i);
            } catch (const oodlens::Error&) {
            }
        }
        (void)d->fingerprint();
    } catch (const oodlens::Error&) {
    }
    return 0;
}
