// SPDX-License-Identifier: GPL-3.0-or-later
#include "features/Preprocess.h"

#include "common/Error.h"
#include "datasets/ImageDecode.h"
#include "io/Json.h"
#include "run/Options.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>
#include <vector>

namespace oodlens {

const std::vector<std::string>& PreprocessSpec::presetNames()
{
    static const std::vector<std::string> names{"mnist", "cifar", "imagenet"};
    return names;
}

PreprocessSpec PreprocessSpec::preset(const std::string& name)
{
    PreprocessSpec s;
    if (name == "mnist") {
        s.channels = 1;
        s.height = s.width = 28;
        s.mean = {0.1307f};
        s.stddev = {0.3081f};
    } else if (name == "cifar") {
        s.channels = 3;
        s.height = s.width = 32;
        s.mean = {0.4914f, 0.4822f, 0.4465f};
        s.stddev = {0.2470f, 0.2435f, 0.2616f};
    } else if (name == "imagenet") {
        s.channels = 3;
        s.resize = 256;
        s.crop = 224; // the crop sets the input size, so a --crop over the preset sets it too
        s.mean = {0.485f, 0.456f, 0.406f};
        s.stddev = {0.229f, 0.224f, 0.225f};
    } else {
        throw Error("unknown preprocessing preset '" + name + "' (expected mnist, cifar or imagenet)");
    }
    s.presetName = name;
    return s;
}

const std::vector<std::string>& PreprocessSpec::jsonKeys()
{
    static const std::vector<std::string> keys{"preset", "resize", "crop", "channels", "height", "width", "mean", "std"};
    return keys;
}

PreprocessSpec PreprocessSpec::fromJson(const Json& o, const std::string& source)
{
    // Types are checked here; values by validatePreprocess, the rule the command line, the
    // session file and the Preprocessing panel apply.
    const ValueSource where{source};
    PreprocessSpec s;
    if (!o.isObject())
        throw Error(where.name("preprocessing", "") + " must be an object");
    if (o.get("preset").isString())
        s = preset(o.get("preset").string());
    auto integer = [&](const char* key, const IntSetting& setting, int& field) {
        const Json& v = o.get(key);
        if (v.isNull())
            return;
        if (!v.isNumber())
            throw Error(where.name(setting) + " must be a whole number");
        field = checkInt(v.number(), setting, where);
    };
    using namespace settings;
    integer("resize", kResize, s.resize);
    integer("crop", kCrop, s.crop);
    integer("channels", kChannels, s.channels);
    integer("height", kHeight, s.height);
    integer("width", kWidth, s.width);
    auto floats = [&](const char* key, std::vector<float>& field) {
        const Json& v = o.get(key);
        if (v.isNull())
            return;
        const std::string name = where.name(std::string("preprocessing.") + key, "");
        if (!v.isArray() || v.items().empty())
            throw Error(name + " must be a list of numbers");
        field.clear();
        for (const Json& x : v.items()) {
            if (!x.isNumber())
                throw Error(name + " must be a list of numbers");
            field.push_back(static_cast<float>(x.number()));
        }
    };
    floats("mean", s.mean);
    floats("std", s.stddev);
    validatePreprocess(s, where);
    return s;
}

Json PreprocessSpec::toJson() const
{
    Json p = Json::object();
    p.set("resize", resize);
    p.set("crop", crop);
    p.set("channels", channels);
    p.set("height", height);
    p.set("width", width);
    auto floats = [&](const char* key, const std::vector<float>& values) {
        if (values.empty())
            return;
        Json a = Json::array();
        for (float x : values)
            a.push(static_cast<double>(x));
        p.set(key, std::move(a));
    };
    floats("mean", mean);
    floats("std", stddev);
    if (!presetName.empty())
        p.set("preset", presetName); // provenance: the fields above are what runs
    return p;
}

PreprocessSpec PreprocessSpec::withDefaults(const PreprocessSpec& f) const
{
    PreprocessSpec s = *this;
    if (!s.resize)
        s.resize = f.resize;
    if (!s.crop)
        s.crop = f.crop;
    if (!s.channels)
        s.channels = f.channels;
    if (!s.height && !s.width) {
        s.height = f.height;
        s.width = f.width;
    }
    if (s.mean.empty())
        s.mean = f.mean;
    if (s.stddev.empty())
        s.stddev = f.stddev;
    return s;
}

std::string PreprocessSpec::describe() const
{
    std::ostringstream out;
    out << "resize=" << resize << ";crop=" << crop << ";channels=" << channels << ";size=" << height << "x" << width
        << ";mean=";
    for (std::size_t i = 0; i < mean.size(); ++i)
        out << (i ? "," : "") << mean[i];
    out << ";std=";
    for (std::size_t i = 0; i < stddev.size(); ++i)
        out << (i ? "," : "") << stddev[i];
    return out.str();
}

namespace {

// torchvision's Resize(int): the shorter side becomes n, the longer int(n * long / short) (truncated).
void shorterSideTo(int n, int inH, int inW, int& h, int& w)
{
    // The longer side is clamped to what an int holds (an extreme aspect ratio); only the crop
    // window of it is ever computed.
    const auto longer = [n](int longSide, int shortSide) {
        return static_cast<int>(std::clamp<long long>(static_cast<long long>(n) * longSide / shortSide, 1, INT_MAX));
    };
    if (inH <= inW) {
        h = n;
        w = longer(inW, inH);
    } else {
        w = n;
        h = longer(inH, inW);
    }
}

// torchvision's CenterCrop offset: int(round((size - crop) / 2.0)), rounding half to even.
int centreOffset(int size, int crop) { return static_cast<int>(std::nearbyint((size - crop) / 2.0)); }

// Where one output coordinate of a bilinear resize from `in` to `out` samples, as
// torch.nn.functional.interpolate(mode="bilinear", align_corners=False) computes it: the source
// coordinate (d + 0.5) * in / out - 0.5, clamped at 0; the two neighbours and the weight of the second.
struct Tap {
    int i0, i1;
    float w1;
};
Tap tapOf(int d, int in, int out)
{
    double src = (d + 0.5) * static_cast<double>(in) / out - 0.5;
    if (src < 0)
        src = 0;
    const int i0 = std::min(static_cast<int>(src), in - 1);
    return {i0, std::min(i0 + 1, in - 1), static_cast<float>(src - i0)};
}

// The window `win` of `src` resized to outH x outW (bilinear, see tapOf), as float pixels (0..255).
// Only the window is computed and allocated: a 1 x 20,000 image whose shorter side goes to 256
// (a 256 x 5,120,000 image) then cropped to 224 x 224 costs 224 x 224 pixels, not 15 GB.
template <typename T> cv::Mat resizeWindowOf(const cv::Mat& src, int outH, int outW, const cv::Rect& win)
{
    const int c = src.channels();
    cv::Mat out(win.height, win.width, CV_32FC(c));
    std::vector<Tap> xs(static_cast<std::size_t>(win.width));
    for (int x = 0; x < win.width; ++x)
        xs[static_cast<std::size_t>(x)] = tapOf(win.x + x, src.cols, outW);
    for (int y = 0; y < win.height; ++y) {
        const Tap ty = tapOf(win.y + y, src.rows, outH);
        const T* r0 = src.ptr<T>(ty.i0);
        const T* r1 = src.ptr<T>(ty.i1);
        float* dst = out.ptr<float>(y);
        for (int x = 0; x < win.width; ++x) {
            const Tap& tx = xs[static_cast<std::size_t>(x)];
            for (int k = 0; k < c; ++k) {
                const float top = (1 - tx.w1) * static_cast<float>(r0[tx.i0 * c + k]) +
                                  tx.w1 * static_cast<float>(r0[tx.i1 * c + k]);
                const float bottom = (1 - tx.w1) * static_cast<float>(r1[tx.i0 * c + k]) +
                                     tx.w1 * static_cast<float>(r1[tx.i1 * c + k]);
                dst[x * c + k] = (1 - ty.w1) * top + ty.w1 * bottom;
            }
        }
    }
    return out;
}

cv::Mat resizeWindow(const cv::Mat& src, int outH, int outW, const cv::Rect& win)
{
    return src.depth() == CV_8U ? resizeWindowOf<std::uint8_t>(src, outH, outW, win)
                                : resizeWindowOf<float>(src, outH, outW, win);
}

} // namespace

void preprocessedSize(const PreprocessSpec& spec, int inHeight, int inWidth, int& outHeight, int& outWidth)
{
    if (spec.height > 0 && spec.width > 0) {
        outHeight = spec.height;
        outWidth = spec.width;
        return;
    }
    int h = inHeight, w = inWidth;
    if (spec.resize > 0)
        shorterSideTo(spec.resize, inHeight, inWidth, h, w);
    if (spec.crop > 0) {
        h = std::min(h, spec.crop);
        w = std::min(w, spec.crop);
    }
    outHeight = h;
    outWidth = w;
}

void preprocessImage(const ImageU8& image, const PreprocessSpec& spec, float* out)
{
    if (image.channels != 1 && image.channels != 3)
        throw Error("unsupported channel count " + std::to_string(image.channels));
    if (spec.channels != 0 && spec.channels != 1 && spec.channels != 3)
        throw Error("preprocessing: channels must be 1 or 3 (got " + std::to_string(spec.channels) + ")");
    const int outC = spec.channels > 0 ? spec.channels : image.channels;
    if (image.pixels.size() != static_cast<std::size_t>(image.height) * image.width * image.channels)
        throw Error("image buffer of " + std::to_string(image.pixels.size()) + " bytes does not hold " +
                    std::to_string(image.height) + "x" + std::to_string(image.width) + "x" +
                    std::to_string(image.channels) + " pixels");
    cv::Mat mat(image.height, image.width, image.channels == 1 ? CV_8UC1 : CV_8UC3,
                const_cast<std::uint8_t*>(image.pixels.data()));

    // Channel conversion first, on 8-bit data (RGB order throughout).
    cv::Mat conv;
    if (image.channels == outC)
        conv = mat;
    else if (outC == 1)
        cv::cvtColor(mat, conv, cv::COLOR_RGB2GRAY);
    else
        cv::cvtColor(mat, conv, cv::COLOR_GRAY2RGB);

    // Geometry on float pixels (0..255): bilinear with half-pixel centres and no antialiasing, i.e.
    // torch.nn.functional.interpolate(mode="bilinear", align_corners=False), and no 8-bit rounding.
    // The resize of the shorter side and the centre crop are done as one step that computes only
    // the cropped window, so that memory is bounded by the output, whatever the aspect ratio.
    int h = conv.rows, w = conv.cols;
    if (spec.resize > 0)
        shorterSideTo(spec.resize, conv.rows, conv.cols, h, w);
    cv::Rect win(0, 0, w, h);
    if (spec.crop > 0 && (h > spec.crop || w > spec.crop)) {
        const int ch = std::min(h, spec.crop), cw = std::min(w, spec.crop);
        win = cv::Rect(centreOffset(w, cw), centreOffset(h, ch), cw, ch);
    }
    if (static_cast<std::uint64_t>(win.width) * static_cast<std::uint64_t>(win.height) > kDefaultMaxImagePixels)
        throw Error("preprocessing would make it a " + std::to_string(win.height) + " x " + std::to_string(win.width) +
                    " image (resize the shorter side to " + std::to_string(spec.resize) +
                    " without a crop); set a crop (--crop)");
    cv::Mat img;
    if (h != conv.rows || w != conv.cols)
        img = resizeWindow(conv, h, w, win);
    else
        conv(win).convertTo(img, CV_32F);
    int outH = 0, outW = 0;
    preprocessedSize(spec, image.height, image.width, outH, outW);
    if (img.rows != outH || img.cols != outW)
        img = resizeWindow(img, outH, outW, cv::Rect(0, 0, outW, outH));

    const std::size_t plane = static_cast<std::size_t>(outH) * outW;
    for (int c = 0; c < outC; ++c) {
        const float m = spec.mean.empty() ? 0.f : spec.mean[std::min<std::size_t>(c, spec.mean.size() - 1)];
        const float s = spec.stddev.empty() ? 1.f : spec.stddev[std::min<std::size_t>(c, spec.stddev.size() - 1)];
        float* dst = out + c * plane;
        for (int y = 0; y < outH; ++y) {
            const float* row = img.ptr<float>(y);
            for (int x = 0; x < outW; ++x)
                dst[static_cast<std::size_t>(y) * outW + x] = (row[x * outC + c] / 255.f - m) / s;
        }
    }
}

} // namespace oodlens
