// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Internal to the core: the dataset shared by the ImageFolder and CSV readers, a list of image
// files with labels, decoded lazily by decodeImageFile().
#include "datasets/Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace oodlens {

struct ImageFileItem {
    std::string path; // as handed out by itemPath() and opened by image()
    int label = -1;
};

class FileListDataset final : public Dataset {
public:
    // `root` is the folder that relative paths in the fingerprint are taken from; its canonical
    // path is part of the fingerprint too. `maxPixels` is decodeImageFile's bound.
    FileListDataset(std::string kind, std::string source, const std::string& root, std::vector<ImageFileItem> items,
                    std::vector<std::string> classNames, std::uint64_t maxPixels,
                    std::vector<std::string> warnings = {});

    std::string kind() const override { return kind_; }
    std::string source() const override { return source_; }
    std::size_t size() const override { return items_.size(); }
    ImageU8 image(std::size_t i) const override;
    int label(std::size_t i) const override { return items_.at(i).label; }
    std::string itemPath(std::size_t i) const override { return items_.at(i).path; }
    std::vector<std::string> classNames() const override { return classNames_; }
    std::vector<std::string> warnings() const override { return warnings_; }
    // "<kind>:" + SHA-256 over the canonical root, the pixel bound, the class names and, per item,
    // (path relative to the root, inode, size, mtime in ns, label); missing files count
    // with size -1. Two folders with the same layout, sizes and mtimes differ by root and inodes;
    // a copy differs by its inodes. No file is opened or decoded.
    std::string fingerprint() const override { return fingerprint_; }

private:
    std::string kind_;
    std::string source_;
    std::vector<ImageFileItem> items_;
    std::vector<std::string> classNames_;
    std::uint64_t maxPixels_;
    std::vector<std::string> warnings_;
    std::string fingerprint_;
};

} // namespace oodlens
