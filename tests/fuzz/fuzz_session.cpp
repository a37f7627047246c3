// SPDX-License-Identifier: GPL-3.0-or-later
// Session files: the JSON parser and every value check of SessionFile::fromJson, then the text it
// writes back, which must parse again.
#include "FuzzSupport.h"
#include "io/SessionFile.h"

#include <cstdlib>

// With OODLENS_FUZZ_SEEDS=DIR, writes a session with every kind of value to DIR/full.oodlens as
// the seed, so the seed always has the current format.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const char* seeds = std::getenv("OODLENS_FUZZ_SEEDS");
    if (!seeds)
        return 0;
    oodlens::SessionFile s;
    s.config.modelPath = "model.pt";
    s.config.datasets = {{"mnist", "id-images", oodlens::DatasetRole::Id},
                         {"fashion", "ood.csv", oodlens::DatasetRole::Ood, "near"},
                         {"fit", "train", oodlens::DatasetRole::Fit}};
    s.config.methods = {"msp", "gradnorm", "knn"};
    s.config.params.parseAssignment("T=2");
    s.config.params.parseAssignment("exgrad.flip=1");
    s.config.preprocess = oodlens::PreprocessSpec::preset("imagenet");
    const std::string text = s.toJson();
    std::FILE* f = std::fopen((std::string(seeds) + "/full.oodlens").c_str(), "wb");
    if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size())
        std::abort();
    std::fclose(f);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    oodlens::SessionFile session;
    try {
        session = oodlens::SessionFile::fromJson(text, "fuzz.oodlens");
    } catch (const oodlens::Error&) {
        return 0;
    }
    // What was accepted is written and read back: a session the app saves must open again.
    try {
        (void)oodlens::SessionFile::fromJson(session.toJson(), "written.oodlens");
    } catch (const oodlens::Error&) {
        std::abort();
    }
    return 0;
}
