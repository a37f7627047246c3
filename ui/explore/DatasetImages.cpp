// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/DatasetImages.h"

#include "datasets/Dataset.h"
#include "features/FeaturesFile.h"
#include "common/Error.h"

#include <filesystem>

namespace oodlens::ui {

DatasetImages::DatasetImages(RunResultPtr result) : result_(std::move(result))
{
    if (result_)
        opened_.resize(result_->datasets.size());
}

DatasetImages::~DatasetImages() = default;

QImage DatasetImages::image(const ImageRef& ref) const
{
    if (!result_ || !ref.isValid() || static_cast<std::size_t>(ref.dataset) >= result_->datasets.size())
        throw Error("no such image");
    const auto d = static_cast<std::size_t>(ref.dataset);
    const FeatureSet* set = d < result_->features.size() ? result_->features[d].get() : nullptr;
    if (!set || static_cast<std::size_t>(ref.row) >= set->rows)
        throw Error("image " + std::to_string(ref.row) + " of '" + result_->datasets[d].name + "' was not scored");
    if (result_->datasets[d].kind == kFeaturesKind) {
        // Features extracted elsewhere: the row's path shows its image when it is a file here.
        const std::string path = static_cast<std::size_t>(ref.row) < set->paths.size() ? set->paths[ref.row] : std::string();
        std::error_code ec;
        if (path.empty() || !std::filesystem::is_regular_file(path, ec))
            throw Error("no image here: '" + result_->datasets[d].path + "' holds features only" +
                        (path.empty() ? std::string() : " (its path '" + path + "' is not a file on this machine)"));
        const ImageU8 img = decodeImageFile(path, result_->config.maxPixels);
        return toQImage(img.width, img.height, img.channels, img.pixels.data());
    }
    std::shared_ptr<const Dataset> dataset;
    {
        // Opening happens under the lock so that two threads never open the same set twice;
        // decoding below runs in parallel (Dataset::image is const and thread-safe).
        std::lock_guard<std::mutex> lock(mutex_);
        if (!opened_[d]) {
            DatasetOptions options;
            options.maxPixels = result_->config.maxPixels; // the run's bound on decoded images
            opened_[d] = openDataset(result_->datasets[d].path, options);
        }
        dataset = opened_[d];
    }
    const std::size_t item = static_cast<std::size_t>(ref.row) < set->index.size() ? set->index[ref.row]
                                                                                    : static_cast<std::size_t>(ref.row);
    const ImageU8 img = dataset->image(item);
    return toQImage(img.width, img.height, img.channels, img.pixels.data());
}

QImage toQImage(int width, int height, int channels, const unsigned char* pixels)
{
    QImage::Format format = QImage::Format_RGB888;
    if (channels == 1)
        format = QImage::Format_Grayscale8;
    else if (channels == 4)
        format = QImage::Format_RGBA8888;
    else if (channels != 3)
        throw Error("cannot show an image with " + std::to_string(channels) + " channels");
    // Wrap, then copy: the copy owns its pixels and outlives the engine's buffer.
    return QImage(pixels, width, height, static_cast<qsizetype>(width) * channels, format).copy();
}

} // namespace oodlens::ui
