// SPDX-License-Identifier: GPL-3.0-or-later
// Features files (.npz, features/FeaturesFile.h): libzip's container, the .npy headers and arrays
// (io/Npy.h), and the features file's checks of shapes, values, labels, paths, head and names.
#include "FuzzSupport.h"
#include "features/FeaturesFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string path = oodlens::fuzz::writeInput("features.npz", data, size);
    try {
        (void)oodlens::readFeaturesFile(path);
    } catch (const oodlens::Error&) {
    }
    try {
        (void)oodlens::readFeaturesHead(path);
    } catch (const oodlens::Error&) {
    }
    return 0;
}
