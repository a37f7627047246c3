// SPDX-License-Identifier: GPL-3.0-or-later
// Feature-cache entries: the header, the section sizes and the checksum. A bad entry is a miss.
#include "FuzzSupport.h"
#include "features/FeatureCache.h"
#include "features/FeatureSet.h"

#include <cstdlib>
#include <filesystem>

namespace {
const std::string kKey = "0123456789abcdef";
}

// With OODLENS_FUZZ_SEEDS=DIR, writes a valid entry (3 rows, 4 features, 2 classes) under kKey to
// DIR/valid.olfc as the seed, so the seed always has the current format.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const char* seeds = std::getenv("OODLENS_FUZZ_SEEDS");
    if (!seeds)
        return 0;
    oodlens::FeatureSet s;
    s.rows = 3;
    s.dim = 4;
    s.classes = 2;
    s.features = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    s.logits = {0.5f, -1, 2, 0, -3, 1};
    s.labels = {0, 1, -1};
    s.index = {0, 1, 2};
    s.paths = {"a.png", "b/c.jpg", ""};
    s.skipped = {"d.png: cannot read"};
    const oodlens::FeatureCache writer(seeds);
    writer.store(kKey, s, "fuzz seed");
    std::filesystem::rename(writer.pathFor(kKey), std::filesystem::path(seeds) / "valid.olfc");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const oodlens::FeatureCache cache(oodlens::fuzz::scratch().string());
    const std::string& key = kKey;
    oodlens::fuzz::writeInput(key + ".olfc", data, size);
    try {
        std::string problem;
        (void)cache.load(key, &problem);
    } catch (const oodlens::Error&) {
    }
    return 0;
}
