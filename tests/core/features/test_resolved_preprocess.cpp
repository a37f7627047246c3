// SPDX-License-Identifier: GPL-3.0-or-later
// Where each preprocessing value comes from: the user's fields win, then the model's sidecar,
// then its input shape, then a guess that is named. The models here are plain ModelInfo values,
// so every rule is checked without loading a network.
#include "features/ResolvedPreprocess.h"
#include "model/Classifier.h"

#include <gtest/gtest.h>

using namespace oodlens;

namespace {

ModelInfo probed(int c, int h, int w, bool otherSizes)
{
    ModelInfo m;
    m.inputHint = {c, h, w};
    m.inputSource = ModelInfo::InputSource::Probe;
    m.acceptsOtherSizes = otherSizes;
    return m;
}

PreprocessOrigin originOf(const ResolvedPreprocess& r, const std::string& name)
{
    for (const auto& f : r.fields())
        if (f.name == name)
            return f.origin;
    ADD_FAILURE() << "no field " << name;
    return PreprocessOrigin::Option;
}

} // namespace

TEST(ResolvedPreprocess, FixedSizeProbeIsAGuessAndSaysSo)
{
    const ResolvedPreprocess r = resolvePreprocess({}, probed(1, 28, 28, false));
    EXPECT_EQ(r.spec.channels, 1);
    EXPECT_EQ(r.spec.height, 28);
    EXPECT_EQ(r.spec.width, 28);
    EXPECT_EQ(r.size, PreprocessOrigin::Guess);
    EXPECT_EQ(r.sizeGuess, SizeGuess::Probe);
    EXPECT_TRUE(r.normalisationGuessed());
    const std::string line = r.guessSummary();
    EXPECT_NE(line.find("1 x 28 x 28"), std::string::npos) << line;
    EXPECT_NE(line.find("only probe shape"), std::string::npos) << line;
    EXPECT_NE(line.find("no normalisation"), std::string::npos) << line;
    const std::string note = guessNote(r, "set --preset");
    EXPECT_EQ(note.rfind("guessed ", 0), 0u) << note;
    EXPECT_NE(note.find("set --preset"), std::string::npos);
}

TEST(ResolvedPreprocess, ModelTakingAnySizeRunsAtTheIdImagesSize)
{
    const ModelInfo m = probed(3, 32, 32, true);
    // Without the ID images the size stays open, and that is a guess too.
    const ResolvedPreprocess open = resolvePreprocess({}, m);
    EXPECT_EQ(open.spec.height, 0);
    EXPECT_EQ(open.sizeGuess, SizeGuess::Open);
    EXPECT_TRUE(open.sizeGuessed());
    // With them, the ID images' size (not the 32 x 32 probe) is what runs.
    const ResolvedPreprocess r = resolvePreprocess({}, m, ImageSize{64, 48});
    EXPECT_EQ(r.spec.height, 64);
    EXPECT_EQ(r.spec.width, 48);
    EXPECT_EQ(r.sizeGuess, SizeGuess::IdImages);
    EXPECT_NE(r.guessSummary().find("3 x 64 x 48"), std::string::npos) << r.guessSummary();
}

TEST(ResolvedPreprocess, SidecarValuesAreFactsNotGuesses)
{
    ModelInfo m;
    m.inputHint = {3, 64, 64};
    m.inputSource = ModelInfo::InputSource::Sidecar;
    m.defaultPreprocess.mean = {0.5f, 0.5f, 0.5f};
    m.defaultPreprocess.stddev = {0.25f};
    const ResolvedPreprocess r = resolvePreprocess({}, m);
    EXPECT_EQ(r.spec.channels, 3);
    EXPECT_EQ(r.spec.height, 64);
    EXPECT_EQ(r.channels, PreprocessOrigin::ModelInput);
    EXPECT_EQ(r.size, PreprocessOrigin::ModelInput);
    EXPECT_EQ(r.mean, PreprocessOrigin::Sidecar);
    EXPECT_EQ(r.stddev, PreprocessOrigin::Sidecar);
    EXPECT_FALSE(r.anyGuess());
    EXPECT_EQ(r.guessSummary(), "");
    EXPECT_EQ(guessNote(r, "anything"), "");
}

TEST(ResolvedPreprocess, UserFieldsWinOverTheSidecarAndNamePresets)
{
    ModelInfo m = probed(3, 32, 32, true);
    m.defaultPreprocess = PreprocessSpec::preset("cifar");
    PreprocessSpec given = PreprocessSpec::preset("imagenet");
    given.stddev = {0.5f}; // overrides the preset's
    const ResolvedPreprocess r = resolvePreprocess(given, m);
    EXPECT_EQ(r.preset, "imagenet");
    EXPECT_EQ(r.spec.resize, 256);
    EXPECT_EQ(r.spec.crop, 224);
    int h = 0, w = 0; // the preset's crop, not the sidecar's 32 x 32, sets the input size
    preprocessedSize(r.spec, 480, 640, h, w);
    EXPECT_EQ(h, 224);
    EXPECT_EQ(w, 224);
    EXPECT_EQ(r.resize, PreprocessOrigin::Preset);
    EXPECT_EQ(r.mean, PreprocessOrigin::Preset);
    EXPECT_EQ(r.stddev, PreprocessOrigin::Option);
    EXPECT_EQ(originOf(r, "std"), PreprocessOrigin::Option);
    EXPECT_FLOAT_EQ(r.spec.stddev[0], 0.5f);
    EXPECT_FALSE(r.anyGuess());

    // Only the mean given: the sidecar's cifar std and size fill the rest.
    PreprocessSpec mine;
    mine.mean = {0.1f};
    const ResolvedPreprocess s = resolvePreprocess(mine, m);
    EXPECT_EQ(s.mean, PreprocessOrigin::Option);
    EXPECT_EQ(s.stddev, PreprocessOrigin::Sidecar);
    EXPECT_EQ(s.size, PreprocessOrigin::Sidecar);
    EXPECT_EQ(s.spec.height, 32);
    EXPECT_EQ(s.preset, "cifar");
}

TEST(ResolvedPreprocess, CropFixesTheSizeAndResizeAloneLeavesItOpen)
{
    PreprocessSpec crop;
    crop.crop = 100;
    const ResolvedPreprocess r = resolvePreprocess(crop, probed(3, 32, 32, false));
    EXPECT_EQ(r.spec.height, 100);
    EXPECT_EQ(r.size, PreprocessOrigin::Option);
    EXPECT_EQ(r.sizeGuess, SizeGuess::None);

    PreprocessSpec resize;
    resize.resize = 80;
    const ResolvedPreprocess s = resolvePreprocess(resize, probed(3, 32, 32, false));
    EXPECT_EQ(s.spec.height, 0);
    EXPECT_EQ(s.size, PreprocessOrigin::Option);
    EXPECT_FALSE(s.sizeGuessed() && s.size == PreprocessOrigin::Guess);
}

TEST(ResolvedPreprocess, ProbeShapeComesOnlyFromAFullUserShape)
{
    PreprocessSpec p;
    EXPECT_TRUE(probeShapeOf(p).empty());
    p.channels = 3;
    EXPECT_TRUE(probeShapeOf(p).empty());
    p.crop = 224;
    EXPECT_EQ(probeShapeOf(p), (std::vector<int>{3, 224, 224}));
    p.height = 64;
    p.width = 48;
    EXPECT_EQ(probeShapeOf(p), (std::vector<int>{3, 64, 48}));
}
