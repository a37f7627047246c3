// SPDX-License-Identifier: GPL-3.0-or-later
// IDX images (raw or gzip): the header check, the gzip bound and the per-image reads.
#include "FuzzSupport.h"
#include "datasets/Dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    const std::string path = oodlens::fuzz::writeInput(gz ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte", data, size);
    try {
        auto d = oodlens::openDataset(path);
        for (std::size_t i = 0; i < d->size() && i < 8; ++i) {
            (void)d->label(i);
            (void)d->image(i);
        }
        (void)d->fingerprint();
    } catch (const oodlens::Error&) {
    }
    return 0;
}
