// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The preprocessing a run uses, and where each of its values came from. The CLI prints it (info,
// score), the GUI's Preprocessing panel shows it, and run.json records it. One rule, written here,
// decides every value: what the user gave (a flag, the GUI's panel or a session), else the
// model's sidecar, else the model's input shape, else a guess that the front ends say out loud.
#include "features/Preprocess.h"

#include <string>
#include <vector>

namespace oodlens {

struct ModelInfo;

// Where one value of the preprocessing came from.
enum class PreprocessOrigin {
    Option,     // given by the user: a flag, the GUI's Preprocessing panel, a session file
    Preset,     // from the preset the user chose (PreprocessSpec::preset)
    Sidecar,    // from the model's sidecar (model.json), its preset included
    ModelInput, // from the sidecar's "input" shape or the crop (a fact about the model)
    Guess,      // nothing said it: a probe shape the model accepted, the ID images' size, or no normalisation
};
// "flag", "preset", "sidecar", "model", "guess".
const char* preprocessOriginName(PreprocessOrigin origin);

// How the size a model is run at was decided when nothing set it.
enum class SizeGuess {
    None,     // not a guess
    Probe,    // the model accepted only one of the probe shapes tried: that one
    IdImages, // the model accepts several sizes: the ID set's first image's size
    Open,     // several sizes and no ID image known yet: each image keeps its size (until a run knows)
};

struct ResolvedPreprocess {
    PreprocessSpec spec; // what is run: every field settled except what stays open on purpose
    std::string preset;  // the preset the values came from ("" for none)
    PreprocessOrigin resize = PreprocessOrigin::Option, crop = PreprocessOrigin::Option,
                     channels = PreprocessOrigin::Option, size = PreprocessOrigin::Option,
                     mean = PreprocessOrigin::Option, stddev = PreprocessOrigin::Option;
    SizeGuess sizeGuess = SizeGuess::None;

    bool sizeGuessed() const { return size == PreprocessOrigin::Guess || channels == PreprocessOrigin::Guess; }
    bool normalisationGuessed() const { return mean == PreprocessOrigin::Guess || stddev == PreprocessOrigin::Guess; }
    bool anyGuess() const { return sizeGuessed() || normalisationGuessed(); }
    // One line naming what was guessed and how, e.g. "input size 3 x 32 x 32 (the only probe shape
    // the model accepted) and no normalisation (mean 0, std 1)"; "" when nothing was.
    std::string guessSummary() const;

    // The values in display order, as text with their origin: what `oodlens-cli info` prints and
    // the GUI's Preprocessing panel shows. Names: "preset" (only when one was used), "resize", "crop", "channels", "size",
    // "mean", "std".
    struct Field {
        std::string name, value;
        PreprocessOrigin origin;
    };
    std::vector<Field> fields() const;
};

// The input shape of one image, when the caller knows the ID set's first image.
struct ImageSize {
    int height = 0, width = 0;
};

// The probe shape (C, H, W) the user's preprocessing fixes (channels and a size or crop), or
// empty: then the model's sidecar or the default probe shapes decide (Classifier::load).
std::vector<int> probeShapeOf(const PreprocessSpec& given);

// One line for people, "" when nothing was guessed: "guessed " + guessSummary() + "; " + `howToSet`.
std::string guessNote(const ResolvedPreprocess& r, const std::string& howToSet);

// Resolves `given` (the user's fields; unset = 0 / empty) against the model: the sidecar's
// preprocessing fills what the user left unset, then the input shape (the sidecar's "input", else
// the probe), then a guess. A model that accepts several sizes is run at the ID images' size
// (`idImage`, when given and non-empty); a crop fixes the size to crop x crop; a resize without a
// crop leaves it open (the images' aspect ratio decides).
ResolvedPreprocess resolvePreprocess(const PreprocessSpec& given, const ModelInfo& model, ImageSize idImage = {});

} // namespace oodlens
