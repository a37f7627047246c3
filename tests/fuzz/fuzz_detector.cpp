// SPDX-License-Identifier: GPL-3.0-or-later
// Detector files: the JSON (its value budget and every field check) and the side file (sections,
// sizes, the fit set's shapes) of readDetector. An input is the JSON's length as 4 little-endian
// bytes, the JSON, then the side file; what is accepted is written back and must read again.
#include "FuzzSupport.h"
#include "detector/Detector.h"
#include "methods/Registry.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace {

std::string readAll(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

// With OODLENS_FUZZ_SEEDS=DIR, writes a small Mahalanobis detector (every section present) as the
// seed, so the seed always has the current format.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    const char* seeds = std::getenv("OODLENS_FUZZ_SEEDS");
    if (!seeds)
        return 0;
    oodlens::Detector d;
    d.modelPath = "/models/net.pt";
    d.modelSha256 = std::string(64, 'a');
    d.classes = 3;
    d.featureDim = 4;
    d.preprocess = oodlens::PreprocessSpec::preset("mnist");
    d.method = "mahalanobis";
    d.params = oodlens::ScoreParams().resolve(d.method);
    d.threshold = -1.5;
    d.idName = "id";
    d.idPath = "/data/id";
    d.idImages = 8;
    d.calibrationImages = d.heldOutImages = 4;
    d.idTpr = {0.75, 0.5, 1.0, 4, 3, 10, 0};
    d.oodSets.push_back({"ood", "/data/ood", {0.25, 0.0, 0.5, 4, 1, 10, 1}, oodlens::BinaryMetrics::undefined()});
    d.classNames = {"a", "b", "c"};
    auto fit = std::make_shared<oodlens::FeatureSet>();
    fit->rows = 5;
    fit->dim = 4;
    fit->classes = 3;
    for (int i = 0; i < 20; ++i)
        fit->features.push_back(float(i) / 7.0f);
    for (int i = 0; i < 15; ++i)
        fit->logits.push_back(float(i % 4));
    fit->labels = {0, 1, 2, 0, 1};
    d.fit = fit;
    d.fitName = "fit";
    d.fitPath = "/data/fit";
    d.calibrationScores = {-3, -2, -1, 0.5};
    const std::string json = (oodlens::fuzz::scratch() / "seed.json").string();
    oodlens::writeDetector(d, json);
    std::string text = readAll(json);
    // The seed's side file is named after the input's: det.bin.
    const std::string from = "\"seed.bin\"";
    text.replace(text.find(from), from.size(), "\"det.bin\"");
    const std::string side = readAll(oodlens::detectorSideFile(json));
    std::string input(4, '\0');
    const std::uint32_t n = std::uint32_t(text.size());
    for (int i = 0; i < 4; ++i)
        input[std::size_t(i)] = char((n >> (8 * i)) & 0xff);
    input += text + side;
    std::FILE* f = std::fopen((std::string(seeds) + "/detector.bin").c_str(), "wb");
    if (!f || std::fwrite(input.data(), 1, input.size(), f) != input.size())
        std::abort();
    std::fclose(f);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 4)
        return 0;
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
        n |= std::uint32_t(data[i]) << (8 * i);
    const std::size_t jsonSize = std::min<std::size_t>(n, size - 4);
    const std::string json = oodlens::fuzz::writeInput("det.json", data + 4, jsonSize);
    oodlens::fuzz::writeInput("det.bin", data + 4 + jsonSize, size - 4 - jsonSize);
    oodlens::Detector d;
    try {
        d = oodlens::readDetector(json);
    } catch (const oodlens::Error&) {
        return 0;
    }
    // What was accepted is written and read back: a detector OOD Lens reads, it can write again.
    try {
        const std::string again = (oodlens::fuzz::scratch() / "again.json").string();
        oodlens::writeDetector(d, again);
        (void)oodlens::readDetector(again);
    } catch (const oodlens::Error&) {
        std::abort();
    }
    return 0;
}
