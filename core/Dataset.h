// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "Image.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace oodlens {

// A read-only, indexable set of images with optional labels. Implementations decode lazily so
// that a run never holds a whole dataset of decoded images in memory, and are safe to read from
// several threads at once (image() is const and touches no shared mutable state).
class Dataset {
public:
    virtual ~Dataset() = default;

    // Short name of the format ("idx", "imagefolder", ...), recorded in run metadata.
    virtual std::string kind() const = 0;
    // The path the user gave.
    virtual std::string source() const = 0;
    virtual std::size_t size() const = 0;
    // Decodes item i as RGB or gray 8-bit. Throws Error naming the item when it cannot be read.
    virtual ImageU8 image(std::size_t i) const = 0;
    // True class index, or -1 when the dataset has no labels.
    virtual int label(std::size_t i) const = 0;
    // The file of item i, or "<container>#<i>" for container formats.
    virtual std::string itemPath(std::size_t i) const = 0;
    // Class names when the format has them (ImageFolder), else empty.
    virtual std::vector<std::string> classNames() const { return {}; }
    // Cheap fingerprint of the content (sizes, mtimes, or a content hash) for the feature cache.
    virtual std::string fingerprint() const = 0;
};

// Opens a dataset, detecting its kind from the path:
// - an IDX images file (`*-images-idx3-ubyte[.gz]` or any IDX file): labels are read from the
//   sibling file with `images-idx3` replaced by `labels-idx1` when it exists.
// Throws Error naming the path when the kind is not recognised or the file is malformed.
std::unique_ptr<Dataset> openDataset(const std::string& path);

// Default display name of a dataset path: the file or folder name without IDX/gzip suffixes.
std::string datasetDisplayName(const std::string& path);

} // namespace oodlens
