// SPDX-License-Identifier: GPL-3.0-or-later
// CIFAR-10 and CIFAR-100 batches: the record size rule and the per-record reads.
#include "FuzzSupport.h"
#include "datasets/Dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The first byte picks the name, and so the variant the name implies.
    static const char* const names[] = {"data_batch_1.bin", "test.bin", "other.bin"};
    const std::string path = oodlens::fuzz::writeInput(size ? names[data[0] % 3] : names[0], data, size);
    try {
        auto d = oodlens::openDataset(path);
        for (std::size_t i = 0; i < d->size() && i < 8; ++i) {
            (void)d->label(i);
            (void)d->image(i);
        }
        (void)d->classNames();
    } catch (const oodlens::Error&) {
    }
    return 0;
}
