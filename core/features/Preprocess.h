// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "datasets/Image.h"

#include <string>
#include <vector>

namespace oodlens {

class Json;

// How images become model input: channel conversion, optional resize of the shorter side (the
// longer side truncated as torchvision's Resize(int) does), optional centre crop (torchvision's
// offsets), scaling to [0,1], then per-channel (x - mean) / std. Resizing is bilinear on float
// pixels with half-pixel centres and no antialiasing: torch.nn.functional.interpolate(
// mode="bilinear", align_corners=False). PIL's antialiased Resize differs when downscaling a lot;
// images prepared at the model's size are unaffected.
struct PreprocessSpec {
    int resize = 0;   // shorter side to this many pixels (bilinear); 0 keeps the size
    int crop = 0;     // centre crop to crop x crop; 0 keeps the size
    int channels = 0; // 1 or 3; 0 means "take it from the model's hint"
    int height = 0;   // the expected input size after resize/crop (0 = whatever comes out);
    int width = 0;    // images of another size are resized to it
    std::vector<float> mean;  // one value per channel (a single value is broadcast)
    std::vector<float> stddev;
    // The preset these values started from ("" for none): provenance only, not part of describe().
    std::string presetName;

    // Named presets (the result records its name in `presetName`): "mnist" (1 channel, 28x28, mean 0.1307, std 0.3081), "cifar" (3 channels,
    // 32x32, CIFAR-10 statistics), "imagenet" (resize 256, crop 224, ImageNet statistics).
    // Throws Error for an unknown name.
    static PreprocessSpec preset(const std::string& name);
    // The preset names preset() knows, in the order menus list them.
    static const std::vector<std::string>& presetNames();

    // Reads the fields present in a JSON object such as a model sidecar's "preprocessing":
    // {"preset": "mnist", "resize": N, "crop": N, "channels": 1|3, "height": H, "width": W,
    //  "mean": [...], "std": [...]}. Throws Error naming `source` on a bad value.
    static PreprocessSpec fromJson(const Json& object, const std::string& source);
    // The object fromJson() reads back to these values (unset fields as 0, empty lists left out;
    // "preset" names where they started, for people).
    Json toJson() const;
    // The keys fromJson() reads ("preset", "resize", ..., "mean", "std").
    static const std::vector<std::string>& jsonKeys();
    // Fields left unset here (0 / empty) are taken from `fallback`.
    PreprocessSpec withDefaults(const PreprocessSpec& fallback) const;
    bool isUnset() const { return !resize && !crop && !channels && !height && !width && mean.empty() && stddev.empty(); }
    // Canonical, stable text form, used in run metadata and in the cache key.
    std::string describe() const;
};

// Converts one image into a C x H x W float block at `out` (which must hold
// channels * outHeight * outWidth floats); outHeight/outWidth come from preprocessedSize().
void preprocessImage(const ImageU8& image, const PreprocessSpec& spec, float* out);

// The H x W an image of the given size has after `spec` (fixed when spec.height/width are set).
void preprocessedSize(const PreprocessSpec& spec, int inHeight, int inWidth, int& outHeight, int& outWidth);

} // namespace oodlens
