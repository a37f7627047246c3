// SPDX-License-Identifier: GPL-3.0-or-later
// Model sidecars (model.json): the JSON parser, the "preprocessing" object and the "classes" list.
#include "FuzzSupport.h"
#include "datasets/ClassNames.h"
#include "features/Preprocess.h"
#include "io/Json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const oodlens::Json sidecar = oodlens::Json::parse(text, "model.json");
        if (sidecar.isObject() && sidecar.has("preprocessing"))
            (void)oodlens::PreprocessSpec::fromJson(sidecar.get("preprocessing"), "model.json");
    } catch (const oodlens::Error&) {
    }
    // The "classes" list, as the model loader reads it (refusals are warnings, not throws).
    const std::string sidecar = oodlens::fuzz::writeInput("model.json", data, size);
    try {
        (void)oodlens::findModelClassNames((oodlens::fuzz::scratch() / "model.pt").string(), sidecar, 10);
    } catch (const oodlens::Error&) {
    }
    return 0;
}
