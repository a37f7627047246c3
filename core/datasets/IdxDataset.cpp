// SPDX-License-Identifier: GPL-3.0-or-later
// IDX image files (the MNIST container format), raw or gzip-compressed.
#include "datasets/internal/DatasetKinds.h"

#include "common/Error.h"
#include "common/internal/Hash.h"
#include "datasets/Idx.h"

#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

// IDX images: [N, H, W] (gray) or [N, H, W, C] with C = 1 or 3, unsigned bytes.
class IdxDataset final : public Dataset {
public:
    IdxDataset(const std::string& path, const DatasetOptions& options) : path_(path)
    {
        // The image size is checked from the header, before the body is read.
        if (const std::vector<std::uint32_t> d = readIdxHeader(path); d.size() >= 3 && options.maxPixels > 0 &&
                                                                      std::uint64_t(d[1]) * d[2] > options.maxPixels)
            throw Error("cannot read IDX file '" + path + "': its images are " + std::to_string(d[1]) + " x " +
                        std::to_string(d[2]) + " pixels, more than the limit of " + std::to_string(options.maxPixels) +
                        " (--max-pixels)");
        // The body is hashed as it is read through once, and not kept: images are read by offset.
        Sha256 h;
        images_ = std::make_unique<IdxFile>(path, [&h](const std::uint8_t* p, std::size_t n) { h.update(p, n); });
        const auto& d = images_->dims();
        if (d.size() != 3 && !(d.size() == 4 && (d[3] == 1 || d[3] == 3)))
            throw Error("cannot read IDX file '" + path +
                        "': expected images of shape N x H x W or N x H x W x C (C = 1 or 3), found " +
                        std::to_string(d.size()) + " dimensions");
        height_ = static_cast<int>(d[1]);
        width_ = static_cast<int>(d[2]);
        channels_ = d.size() == 4 ? static_cast<int>(d[3]) : 1;
        if (height_ == 0 || width_ == 0)
            throw Error("cannot read IDX file '" + path + "': images have zero size");

        const std::string labelPath = siblingLabels(path);
        if (!labelPath.empty()) {
            IdxArray labels = readIdx(labelPath);
            if (labels.dims.size() != 1 || labels.dims[0] != d[0])
                throw Error("cannot use labels '" + labelPath + "': expected " + std::to_string(d[0]) +
                            " labels to match '" + path + "'");
            labels_ = std::move(labels.data);
            labelPath_ = labelPath;
        }
        h.update(labels_.data(), labels_.size());
        fingerprint_ = "idx:" + h.hexDigest();
    }

    std::string kind() const override { return "idx"; }
    std::string source() const override { return path_; }
    std::size_t size() const override { return images_->count(); }
    int label(std::size_t i) const override { return labels_.empty() ? -1 : labels_[i]; }
    std::string itemPath(std::size_t i) const override { return path_ + "#" + std::to_string(i); }
    std::string fingerprint() const override { return fingerprint_; }

    ImageU8 image(std::size_t i) const override
    {
        ImageU8 img;
        img.width = width_;
        img.height = height_;
        img.channels = channels_;
        const std::size_t bytes = static_cast<std::size_t>(width_) * height_ * channels_;
        img.pixels.resize(bytes);
        images_->read(std::uint64_t(i) * bytes, bytes, img.pixels.data());
        return img;
    }

    static std::string siblingLabels(const std::string& path)
    {
        const fs::path p(path);
        std::string name = p.filename().string();
        const auto pos = name.find("images-idx3");
        if (pos == std::string::npos)
            return {};
        name.replace(pos, 11, "labels-idx1");
        const fs::path candidate = p.parent_path() / name;
        std::error_code ec;
        return fs::is_regular_file(candidate, ec) ? candidate.string() : std::string();
    }

private:
    std::string path_;
    std::string labelPath_;
    std::unique_ptr<IdxFile> images_;
    std::vector<std::uint8_t> labels_;
    int width_ = 0, height_ = 0, channels_ = 1;
    std::string fingerprint_;
};

} // namespace

std::unique_ptr<Dataset> openIdxDataset(const std::string& path, const DatasetOptions& options)
{
    return std::make_unique<IdxDataset>(path, options);
}

} // namespace oodlens
