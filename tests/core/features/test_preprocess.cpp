// SPDX-License-Identifier: GPL-3.0-or-later
// PreprocessSpec and preprocessImage() against hand-computed tensors.
#include "common/Error.h"
#include "features/Preprocess.h"
#include "io/Json.h"

#include "PeakMemory.h"
#include "TestSupport.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>

using namespace oodlens;

namespace {

ImageU8 makeImage(int width, int height, int channels, const std::vector<std::uint8_t>& pixels)
{
    ImageU8 img;
    img.width = width;
    img.height = height;
    img.channels = channels;
    img.pixels = pixels;
    return img;
}

// Runs preprocessImage and returns the C x H x W block, with its size.
std::vector<float> run(const ImageU8& img, const PreprocessSpec& spec, int& outH, int& outW)
{
    preprocessedSize(spec, img.height, img.width, outH, outW);
    const int c = spec.channels > 0 ? spec.channels : img.channels;
    std::vector<float> out(static_cast<std::size_t>(c) * outH * outW, -999.f);
    preprocessImage(img, spec, out.data());
    return out;
}

std::vector<float> run(const ImageU8& img, const PreprocessSpec& spec)
{
    int h = 0, w = 0;
    return run(img, spec, h, w);
}

bool near(float a, float b, float tolerance = 1e-5f)
{
    return std::fabs(a - b) <= tolerance;
}

std::string describe(const std::vector<float>& v)
{
    std::ostringstream parts;
    parts.precision(7);
    for (std::size_t i = 0; i < v.size(); ++i)
        parts << (i ? " " : "") << v[i];
    return parts.str();
}

} // namespace

TEST(Preprocess, normalisesPerChannel)
{
    // 2 x 1 RGB image: (10, 20, 30), (200, 100, 0).
    const ImageU8 img = makeImage(2, 1, 3, {10, 20, 30, 200, 100, 0});
    PreprocessSpec spec;
    spec.channels = 3;
    spec.mean = {0.5f, 0.4f, 0.3f};
    spec.stddev = {0.2f, 0.25f, 0.5f};
    const std::vector<float> out = run(img, spec);
    // Planar C x H x W: out[c * 2 + x] = (p / 255 - mean[c]) / std[c].
    const std::vector<float> expected = {(10 / 255.f - 0.5f) / 0.2f,  (200 / 255.f - 0.5f) / 0.2f,
                                         (20 / 255.f - 0.4f) / 0.25f, (100 / 255.f - 0.4f) / 0.25f,
                                         (30 / 255.f - 0.3f) / 0.5f,  (0 / 255.f - 0.3f) / 0.5f};
    ASSERT_EQ(out.size(), expected.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        ASSERT_TRUE(near(out[i], expected[i])) << describe(out) + " vs " + describe(expected);
}

TEST(Preprocess, singleMeanIsBroadcastAndNoneMeansScaleOnly)
{
    const ImageU8 img = makeImage(2, 1, 3, {0, 51, 255, 255, 102, 0});
    PreprocessSpec spec;
    spec.channels = 3;
    spec.mean = {0.1307f};
    spec.stddev = {0.3081f};
    std::vector<float> out = run(img, spec);
    ASSERT_TRUE(near(out[2], (51 / 255.f - 0.1307f) / 0.3081f)); // G of pixel 0
    ASSERT_TRUE(near(out[5], (0 - 0.1307f) / 0.3081f));          // B of pixel 1

    spec.mean.clear();
    spec.stddev.clear();
    out = run(img, spec);
    ASSERT_TRUE(near(out[0], 0.f));
    ASSERT_TRUE(near(out[1], 1.f));
    ASSERT_TRUE(near(out[3], 102 / 255.f));
    ASSERT_TRUE(near(out[4], 1.f));
}

TEST(Preprocess, grayIsReplicatedToThreeChannels)
{
    const ImageU8 img = makeImage(3, 2, 1, {0, 10, 20, 30, 40, 255});
    PreprocessSpec spec;
    spec.channels = 3;
    int h = 0, w = 0;
    const std::vector<float> out = run(img, spec, h, w);
    ASSERT_EQ(h, 2);
    ASSERT_EQ(w, 3);
    ASSERT_EQ(out.size(), std::size_t(18));
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 6; ++i)
            ASSERT_TRUE(near(out[c * 6 + i], img.pixels[i] / 255.f)) << describe(out);
}

TEST(Preprocess, rgbBecomesGrayWithTheLumaFormula)
{
    // Pure R, G, B and a mix: gray = round(0.299 R + 0.587 G + 0.114 B). The distinct weights
    // catch a swapped channel order.
    const ImageU8 img = makeImage(4, 1, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
    PreprocessSpec spec;
    spec.channels = 1;
    const std::vector<float> out = run(img, spec);
    ASSERT_EQ(out.size(), std::size_t(4));
    const float expected[4] = {76, 150, 29, 18}; // 76.245, 149.685, 29.07, 18.15
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(near(out[i], expected[i] / 255.f)) << describe(out);
}

TEST(Preprocess, centreCropPicksTheCentre)
{
    // 6 wide x 4 tall gray, value = 10 * y + x; a 2 x 2 crop starts at x = (6-2)/2 = 2, y = (4-2)/2 = 1.
    std::vector<std::uint8_t> px;
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x)
            px.push_back(static_cast<std::uint8_t>(10 * y + x));
    PreprocessSpec spec;
    spec.crop = 2;
    int h = 0, w = 0;
    const std::vector<float> out = run(makeImage(6, 4, 1, px), spec, h, w);
    ASSERT_EQ(h, 2);
    ASSERT_EQ(w, 2);
    const float expected[4] = {12, 13, 22, 23};
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(near(out[i], expected[i] / 255.f)) << describe(out);

    // Odd sizes: 5 x 5, crop 3 -> rows and columns 1..3.
    px.clear();
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 5; ++x)
            px.push_back(static_cast<std::uint8_t>(10 * y + x));
    spec.crop = 3;
    const std::vector<float> odd = run(makeImage(5, 5, 1, px), spec);
    ASSERT_EQ(odd.size(), std::size_t(9));
    ASSERT_TRUE(near(odd[0], 11 / 255.f));
    ASSERT_TRUE(near(odd[4], 22 / 255.f));
    ASSERT_TRUE(near(odd[8], 33 / 255.f));
}

TEST(Preprocess, resizeScalesTheShorterSide)
{
    PreprocessSpec spec;
    spec.resize = 10;
    int h = 0, w = 0;
    preprocessedSize(spec, 20, 40, h, w); // 40 wide x 20 tall
    ASSERT_EQ(h, 10);
    ASSERT_EQ(w, 20);
    preprocessedSize(spec, 40, 20, h, w); // portrait
    ASSERT_EQ(h, 20);
    ASSERT_EQ(w, 10);
    preprocessedSize(spec, 15, 15, h, w);
    ASSERT_EQ(h, 10);
    ASSERT_EQ(w, 10);

    // Content: a horizontal ramp, value = 4x, halves to 8x' + 2 (bilinear between 8x' and 8x' + 4).
    std::vector<std::uint8_t> px;
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 40; ++x)
            px.push_back(static_cast<std::uint8_t>(4 * x));
    const ImageU8 ramp = makeImage(40, 20, 1, px);
    const std::vector<float> resized = run(ramp, spec, h, w);
    ASSERT_EQ(h, 10);
    ASSERT_EQ(w, 20);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            ASSERT_TRUE(near(resized[y * w + x], (8 * x + 2) / 255.f, 1.01f / 255.f))
                << "(" << y << "," << x << "): " << resized[y * w + x] * 255;

    // Crop after resize: the centre 10 x 10 of the 20 x 10 result, columns 5..14.
    spec.crop = 10;
    const std::vector<float> cropped = run(ramp, spec, h, w);
    ASSERT_EQ(h, 10);
    ASSERT_EQ(w, 10);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            ASSERT_TRUE(near(cropped[y * w + x], (8 * (x + 5) + 2) / 255.f, 1.01f / 255.f))
                << "(" << y << "," << x << "): " << cropped[y * w + x] * 255;
}

TEST(Preprocess, fixedSizeResizesAnyImage)
{
    PreprocessSpec spec = PreprocessSpec::preset("mnist");
    int h = 0, w = 0;
    const std::vector<float> out = run(makeImage(56, 56, 3, std::vector<std::uint8_t>(56 * 56 * 3, 255)), spec, h, w);
    ASSERT_EQ(h, 28);
    ASSERT_EQ(w, 28);
    ASSERT_EQ(out.size(), std::size_t(28 * 28));
    for (float v : out)
        ASSERT_TRUE(near(v, (1.f - 0.1307f) / 0.3081f));
}

TEST(Preprocess, refusesUnsupportedChannelCounts)
{
    PreprocessSpec spec;
    std::vector<float> out(16);
    ASSERT_THROW(preprocessImage(makeImage(2, 2, 4, std::vector<std::uint8_t>(16)), spec, out.data()), Error);
}

// A spec asking for 7 channels read past the image buffer (ASan heap-buffer-overflow) when it
// reached preprocessImage from a caller that had not validated it: the last line of defence.
TEST(Preprocess, refusesAnOutputChannelCountOtherThanOneOrThree)
{
    for (int channels : {2, 4, 7, -1}) {
        SCOPED_TRACE(channels);
        PreprocessSpec spec;
        spec.channels = channels;
        std::vector<float> out(64 * 7, 0.f);
        try {
            preprocessImage(makeImage(2, 2, 3, std::vector<std::uint8_t>(12, 100)), spec, out.data());
            FAIL() << "channels " << channels << " accepted";
        } catch (const Error& e) {
            EXPECT_TRUE(oodlens::test::contains(e.what(), "channels must be 1 or 3")) << e.what();
        }
    }
    // An image whose buffer does not hold its pixels is refused too, not read past.
    PreprocessSpec spec;
    std::vector<float> out(64, 0.f);
    EXPECT_THROW(preprocessImage(makeImage(4, 4, 3, std::vector<std::uint8_t>(12)), spec, out.data()), Error);
}

// The sidecar's values go through validatePreprocess, the rule of the command line and the
// session file: a fractional size, a mean list of the wrong length and NaN-free lists are its.
TEST(Preprocess, fromJsonAppliesTheCommandLineRules)
{
    struct Case {
        const char* json;
        const char* expected;
    };
    for (const Case& c : std::vector<Case>{
             {R"({"resize": 2.5})", "\"preprocessing.resize\" must be a whole number"},
             {R"({"channels": 7})", "\"preprocessing.channels\" must be 1 or 3 (got 7)"},
             {R"({"height": 1e9})", "\"preprocessing.height\" must be a whole number from 0 to 100000"},
             {R"({"channels": 3, "mean": [0.5, 0.5]})", "\"preprocessing.mean\" has 2 values"},
             {R"({"std": [0.5, 0]})", "\"preprocessing.std\": every value must be positive (got 0)"},
         }) {
        try {
            PreprocessSpec::fromJson(Json::parse(c.json), "model.json");
            ADD_FAILURE() << "accepted " << c.json;
        } catch (const Error& e) {
            EXPECT_TRUE(oodlens::test::contains(e.what(), "'model.json'")) << e.what();
            EXPECT_TRUE(oodlens::test::contains(e.what(), c.expected)) << c.json << ": " << e.what();
        }
    }
    EXPECT_EQ(PreprocessSpec::fromJson(Json::parse(R"({"resize": 0})"), "m.json").resize, 0); // 0 = unset
}

TEST(Preprocess, presets)
{
    const PreprocessSpec mnist = PreprocessSpec::preset("mnist");
    ASSERT_EQ(mnist.channels, 1);
    ASSERT_EQ(mnist.height, 28);
    ASSERT_EQ(mnist.width, 28);
    ASSERT_EQ(mnist.resize, 0);
    ASSERT_EQ(mnist.crop, 0);
    ASSERT_EQ(mnist.mean, std::vector<float>{0.1307f});
    ASSERT_EQ(mnist.stddev, std::vector<float>{0.3081f});

    const PreprocessSpec cifar = PreprocessSpec::preset("cifar");
    ASSERT_EQ(cifar.channels, 3);
    ASSERT_EQ(cifar.height, 32);
    ASSERT_EQ(cifar.width, 32);
    ASSERT_EQ(cifar.mean, (std::vector<float>{0.4914f, 0.4822f, 0.4465f}));
    ASSERT_EQ(cifar.stddev, (std::vector<float>{0.2470f, 0.2435f, 0.2616f}));

    const PreprocessSpec imagenet = PreprocessSpec::preset("imagenet");
    ASSERT_EQ(imagenet.channels, 3);
    ASSERT_EQ(imagenet.resize, 256);
    ASSERT_EQ(imagenet.crop, 224);
    ASSERT_EQ(imagenet.height, 0); // the crop gives the size: a crop flag over the preset wins
    ASSERT_EQ(imagenet.width, 0);
    ASSERT_EQ(imagenet.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
    ASSERT_EQ(imagenet.stddev, (std::vector<float>{0.229f, 0.224f, 0.225f}));
    int h = 0, w = 0;
    preprocessedSize(imagenet, 480, 640, h, w);
    ASSERT_EQ(h, 224);
    ASSERT_EQ(w, 224);

    try {
        PreprocessSpec::preset("svhn");
        FAIL() << "unknown preset accepted";
    } catch (const Error& e) {
        ASSERT_TRUE(oodlens::test::contains(e.what(), "svhn"));
    }
}

TEST(Preprocess, fromJsonReadsTheFieldsPresent)
{
    const Json j = Json::parse(R"({"preset": "mnist", "resize": 32, "crop": 30, "mean": [0.5], "std": [0.25]})");
    const PreprocessSpec s = PreprocessSpec::fromJson(j, "m.json");
    ASSERT_EQ(s.channels, 1); // from the preset
    ASSERT_EQ(s.height, 28);
    ASSERT_EQ(s.resize, 32);
    ASSERT_EQ(s.crop, 30);
    ASSERT_EQ(s.mean, std::vector<float>{0.5f});
    ASSERT_EQ(s.stddev, std::vector<float>{0.25f});

    const PreprocessSpec sidecar = PreprocessSpec::fromJson(
        Json::parse(R"({"channels": 3, "height": 32, "width": 30, "scale": "1/255"})"), "s.json");
    ASSERT_EQ(sidecar.channels, 3);
    ASSERT_EQ(sidecar.height, 32);
    ASSERT_EQ(sidecar.width, 30);
    ASSERT_TRUE(sidecar.mean.empty());
    ASSERT_TRUE(PreprocessSpec::fromJson(Json::parse("{}"), "e.json").isUnset());
}

TEST(Preprocess, fromJsonRefusesBadValuesNamingTheSource)
{
    for (const char* bad :
         {R"({"channels": 2})", R"({"resize": -1})", R"({"crop": "big"})", R"({"mean": "x"})", R"({"mean": []})",
          R"({"std": [0.5, 0]})", R"({"mean": [0.5, "a"]})", R"([1, 2])", R"({"preset": "nope"})"}) {
        try {
            PreprocessSpec::fromJson(Json::parse(bad), "model.json");
            FAIL() << "accepted " << bad;
        } catch (const Error& e) {
            const std::string msg = e.what();
            ASSERT_TRUE(oodlens::test::contains(msg, "model.json") || oodlens::test::contains(msg, "nope")) << msg;
        }
    }
}

TEST(Preprocess, withDefaultsFillsOnlyUnsetFields)
{
    PreprocessSpec user;
    user.resize = 40;
    user.mean = {0.5f};
    const PreprocessSpec s = user.withDefaults(PreprocessSpec::preset("imagenet"));
    ASSERT_EQ(s.resize, 40); // kept
    ASSERT_EQ(s.crop, 224);  // from the fallback
    ASSERT_EQ(s.channels, 3);
    ASSERT_EQ(s.mean, std::vector<float>{0.5f}); // kept
    ASSERT_EQ(s.stddev, (std::vector<float>{0.229f, 0.224f, 0.225f}));

    // Height and width go together: a spec with one of them keeps its own pair.
    PreprocessSpec half;
    half.height = 10;
    const PreprocessSpec h = half.withDefaults(PreprocessSpec::preset("cifar"));
    ASSERT_EQ(h.height, 10);
    ASSERT_EQ(h.width, 0);
    ASSERT_TRUE(PreprocessSpec().isUnset());
    ASSERT_TRUE(!s.isUnset());
    ASSERT_EQ(PreprocessSpec().withDefaults(PreprocessSpec::preset("mnist")).describe(),
              PreprocessSpec::preset("mnist").describe());
    ASSERT_TRUE(PreprocessSpec::preset("mnist").describe() != PreprocessSpec::preset("cifar").describe());
}

namespace {

// torchvision's Resize(n) (shorter side to n, the longer truncated) then CenterCrop(crop), with
// torch.nn.functional.interpolate's bilinear (align_corners=False) written out in double, one
// output pixel at a time: the reference for the windowed resize.
double referencePixel(const ImageU8& img, int resize, int crop, int c, int y, int x)
{
    const int inH = img.height, inW = img.width;
    long long h = resize, w = resize;
    if (inH <= inW)
        w = static_cast<long long>(resize) * inW / inH;
    else
        h = static_cast<long long>(resize) * inH / inW;
    const long long ch = std::min<long long>(h, crop), cw = std::min<long long>(w, crop);
    const long long oy = static_cast<long long>(std::nearbyint((h - ch) / 2.0));
    const long long ox = static_cast<long long>(std::nearbyint((w - cw) / 2.0));
    auto tap = [](long long d, int in, long long out, int& i0, int& i1, double& l) {
        double s = (d + 0.5) * in / static_cast<double>(out) - 0.5;
        s = std::max(0.0, s);
        i0 = std::min(static_cast<int>(s), in - 1);
        i1 = std::min(i0 + 1, in - 1);
        l = s - i0;
    };
    int y0, y1, x0, x1;
    double ly, lx;
    tap(oy + y, inH, h, y0, y1, ly);
    tap(ox + x, inW, w, x0, x1, lx);
    auto p = [&](int yy, int xx) { return static_cast<double>(img.at(yy, xx, c)); };
    return (1 - ly) * ((1 - lx) * p(y0, x0) + lx * p(y0, x1)) + ly * ((1 - lx) * p(y1, x0) + lx * p(y1, x1));
}

} // namespace

// The issue's 1 x 20,000 PNG under --preset imagenet: resizing the shorter side to 256 first made a
// 256 x 5,120,000 float image (15.7 GB) to crop 224 x 224 from it. Only the crop is computed now;
// its pixels match the resize-then-crop reference.
TEST(Preprocess, extremeAspectRatioCostsTheOutputNotTheResize)
{
    std::vector<std::uint8_t> px;
    for (int x = 0; x < 20000; ++x)
        for (int c = 0; c < 3; ++c)
            px.push_back(static_cast<std::uint8_t>((x * 7 + c * 50) % 251));
    const ImageU8 strip = makeImage(20000, 1, 3, px);
    const PreprocessSpec spec = PreprocessSpec::preset("imagenet");
    int h = 0, w = 0;
    std::vector<float> out;
    const long growth = oodlens::test::peakGrowthKb([&] { out = run(strip, spec, h, w); });
    ASSERT_EQ(h, 224);
    ASSERT_EQ(w, 224);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < h; y += 37)
            for (int x = 0; x < w; ++x) {
                const double expected = (referencePixel(strip, 256, 224, c, y, x) / 255.0 - spec.mean[c]) / spec.stddev[c];
                ASSERT_NEAR(out[(static_cast<std::size_t>(c) * h + y) * w + x], expected, 1e-4) << c << "," << y << "," << x;
            }
    if (growth >= 0) {
        EXPECT_LT(growth, 100 * 1024) << "kB of peak memory";
    }
}

// The same agreement on ordinary shapes, landscape and portrait, down- and upscaling.
TEST(Preprocess, windowedResizeMatchesResizeThenCrop)
{
    for (const auto& [width, height, resize, crop] :
         std::vector<std::tuple<int, int, int, int>>{{53, 37, 20, 16}, {37, 53, 20, 16}, {9, 7, 30, 24}, {64, 64, 32, 31}}) {
        std::vector<std::uint8_t> px;
        for (int i = 0; i < width * height; ++i)
            px.push_back(static_cast<std::uint8_t>((i * 37 + i / width * 11) % 256));
        const ImageU8 img = makeImage(width, height, 1, px);
        PreprocessSpec spec;
        spec.resize = resize;
        spec.crop = crop;
        int h = 0, w = 0;
        const std::vector<float> out = run(img, spec, h, w);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                ASSERT_NEAR(out[static_cast<std::size_t>(y) * w + x] * 255.0, referencePixel(img, resize, crop, 0, y, x), 1e-3)
                    << width << "x" << height << " resize " << resize << " crop " << crop << " at " << y << "," << x;
    }
}
