// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/ResolvedPreprocess.h"

#include "model/Classifier.h"

#include <sstream>

namespace oodlens {

const char* preprocessOriginName(PreprocessOrigin origin)
{
    switch (origin) {
    case PreprocessOrigin::Option: return "flag";
    case PreprocessOrigin::Preset: return "preset";
    case PreprocessOrigin::Sidecar: return "sidecar";
    case PreprocessOrigin::ModelInput: return "model";
    case PreprocessOrigin::Guess: return "guess";
    }
    return "";
}

namespace {

// The origin of a field that `spec` sets: its preset's when the value is the preset's.
template <class Get>
PreprocessOrigin originIn(const PreprocessSpec& spec, PreprocessOrigin own, Get get)
{
    if (own == PreprocessOrigin::Option && !spec.presetName.empty()) {
        try {
            if (get(PreprocessSpec::preset(spec.presetName)) == get(spec))
                return PreprocessOrigin::Preset;
        } catch (...) {
            // an unknown preset name: the values are the user's own
        }
    }
    return own;
}

std::string shapeText(int c, int h, int w)
{
    std::ostringstream out;
    out << c << " x " << h << " x " << w;
    return out.str();
}

} // namespace

std::vector<int> probeShapeOf(const PreprocessSpec& p)
{
    if (p.channels > 0 && p.height > 0 && p.width > 0)
        return {p.channels, p.height, p.width};
    if (p.channels > 0 && p.crop > 0)
        return {p.channels, p.crop, p.crop};
    return {};
}

std::string guessNote(const ResolvedPreprocess& r, const std::string& howToSet)
{
    const std::string what = r.guessSummary();
    return what.empty() ? what : "guessed " + what + "; " + howToSet;
}

ResolvedPreprocess resolvePreprocess(const PreprocessSpec& given, const ModelInfo& model, ImageSize idImage)
{
    ResolvedPreprocess r;
    const PreprocessSpec& side = model.defaultPreprocess;
    PreprocessSpec& s = r.spec;
    s = given.withDefaults(side);
    s.presetName.clear();
    // A crop the user gives (or their preset's) sets the input size: the sidecar's size does not
    // resize the crop again.
    if (given.crop > 0 && given.height == 0 && given.width == 0)
        s.height = s.width = 0;
    r.preset = !given.presetName.empty() ? given.presetName : side.presetName;

    // A field the user set is theirs (or their preset's); else the sidecar's; else settled below.
    auto pick = [&](auto get, auto isSet, PreprocessOrigin& origin) {
        if (isSet(given))
            origin = originIn(given, PreprocessOrigin::Option, get);
        else if (isSet(side))
            origin = PreprocessOrigin::Sidecar;
        else
            origin = PreprocessOrigin::Guess;
    };
    pick([](const PreprocessSpec& p) { return p.resize; }, [](const PreprocessSpec& p) { return p.resize > 0; }, r.resize);
    pick([](const PreprocessSpec& p) { return p.crop; }, [](const PreprocessSpec& p) { return p.crop > 0; }, r.crop);
    pick([](const PreprocessSpec& p) { return p.channels; }, [](const PreprocessSpec& p) { return p.channels > 0; },
         r.channels);
    pick([](const PreprocessSpec& p) { return std::make_pair(p.height, p.width); },
         [](const PreprocessSpec& p) { return p.height > 0 || p.width > 0; }, r.size);
    pick([](const PreprocessSpec& p) { return p.mean; }, [](const PreprocessSpec& p) { return !p.mean.empty(); }, r.mean);
    pick([](const PreprocessSpec& p) { return p.stddev; }, [](const PreprocessSpec& p) { return !p.stddev.empty(); },
         r.stddev);
    // No resize or crop is a choice, not a guess: images are not resized or cropped.
    if (r.resize == PreprocessOrigin::Guess)
        r.resize = PreprocessOrigin::ModelInput;
    if (r.crop == PreprocessOrigin::Guess)
        r.crop = PreprocessOrigin::ModelInput;

    using Source = ModelInfo::InputSource;
    const auto& hint = model.inputHint;
    const bool hinted = hint.size() == 3;
    const bool hintIsFact = hinted && (model.inputSource == Source::Sidecar || model.inputSource == Source::Option);
    if (s.channels == 0) {
        s.channels = hinted ? hint[0] : 3;
        // A probe finds the channels reliably: a first layer takes exactly that many.
        r.channels = hinted ? PreprocessOrigin::ModelInput : PreprocessOrigin::Guess;
    }
    if (s.height == 0 && s.width == 0) {
        if (s.crop > 0) {
            s.height = s.width = s.crop;
            r.size = r.crop;
        } else if (s.resize > 0) {
            r.size = r.resize; // the resized images keep their aspect ratio
        } else if (hintIsFact) {
            s.height = hint[1];
            s.width = hint[2];
            r.size = PreprocessOrigin::ModelInput;
        } else if (hinted && !model.acceptsOtherSizes) {
            s.height = hint[1];
            s.width = hint[2];
            r.size = PreprocessOrigin::Guess;
            r.sizeGuess = SizeGuess::Probe;
        } else if (hinted && idImage.height > 0 && idImage.width > 0) {
            s.height = idImage.height;
            s.width = idImage.width;
            r.size = PreprocessOrigin::Guess;
            r.sizeGuess = SizeGuess::IdImages;
        } else {
            r.size = PreprocessOrigin::Guess;
            r.sizeGuess = SizeGuess::Open;
        }
    }
    return r;
}

namespace {

std::string listText(const std::vector<float>& values, const char* none)
{
    if (values.empty())
        return none;
    std::ostringstream out;
    for (std::size_t i = 0; i < values.size(); ++i)
        out << (i ? ", " : "") << values[i];
    return out.str();
}

} // namespace

std::vector<ResolvedPreprocess::Field> ResolvedPreprocess::fields() const
{
    const PreprocessSpec& p = spec;
    std::string size;
    if (p.height > 0 && p.width > 0)
        size = std::to_string(p.height) + " x " + std::to_string(p.width);
    else if (p.resize > 0)
        size = "shorter side " + std::to_string(p.resize) + ", aspect kept";
    else
        size = sizeGuess == SizeGuess::Open ? "the ID images' (settled by the run)" : "each image's own";
    std::vector<Field> out;
    if (!preset.empty())
        out.push_back({"preset", preset, PreprocessOrigin::Preset});
    std::vector<Field> rest{
        {"resize", p.resize > 0 ? "shorter side to " + std::to_string(p.resize) : "none", resize},
        {"crop", p.crop > 0 ? "centre " + std::to_string(p.crop) + " x " + std::to_string(p.crop) : "none", crop},
        {"channels", p.channels == 1 ? "1 (grey)" : std::to_string(p.channels) + " (RGB)", channels},
        {"size", size, this->size},
        {"mean", listText(p.mean, "0 (none)"), mean},
        {"std", listText(p.stddev, "1 (none)"), stddev},
    };
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

std::string ResolvedPreprocess::guessSummary() const
{
    std::string size, norm;
    if (sizeGuessed()) {
        const std::string shape = spec.height > 0 ? shapeText(spec.channels, spec.height, spec.width)
                                                  : std::to_string(spec.channels) + " channel(s)";
        switch (sizeGuess) {
        case SizeGuess::Probe: size = "input size " + shape + " (the only probe shape the model accepted)"; break;
        case SizeGuess::IdImages:
            size = "input size " + shape + " (the model takes several sizes; the ID images' size)";
            break;
        case SizeGuess::Open: size = "input size (the model takes several sizes; each image keeps its own)"; break;
        case SizeGuess::None: size = "input channels " + std::to_string(spec.channels) + " (the probe's)"; break;
        }
    }
    if (normalisationGuessed())
        norm = "no normalisation (mean 0, std 1 on pixels in [0, 1])";
    if (size.empty())
        return norm;
    return norm.empty() ? size : size + " and " + norm;
}

} // namespace oodlens
