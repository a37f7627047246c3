// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "datasets/Image.h"
#include "datasets/ImageDecode.h"

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

    // Short name of the format, recorded in run metadata: "idx", "imagefolder", "folder", "csv",
    // "cifar10" or "cifar100".
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
    // Names of the labels, index = label, when the format has them, else empty: ImageFolder's
    // folder names; CIFAR's batches.meta.txt (CIFAR-10) or fine_label_names.txt (CIFAR-100) next
    // to the batches, one name per line (ClassNames.h, readClassNamesFile), used only when it lists
    // exactly 10 / 100 names; a CSV's `label_name` column. A label without a name has an empty
    // entry (or none, past the end). These name the dataset's own labels: the names of the model's
    // classes come from the model (ClassNames.h, findModelClassNames).
    virtual std::vector<std::string> classNames() const { return {}; }
    // Why a class-name file that was found is not used (names the file), else empty.
    virtual std::string classNamesWarning() const { return {}; }
    // What the reader noticed when opening that the user should hear (files it ignored, links to
    // a file already listed), each naming the dataset; the run reports them as warnings.
    virtual std::vector<std::string> warnings() const { return {}; }
    // Fingerprint for the feature cache: identifies the data, so that no two different sets share
    // a cache entry (see openDataset).
    virtual std::string fingerprint() const = 0;
};

// How datasets decode their images: the pixel bound of decodeImageFile (0: none). IDX files whose
// images are larger are refused.
struct DatasetOptions {
    std::uint64_t maxPixels = kDefaultMaxImagePixels;
};

// Opens a dataset, detecting its kind from the path (symbolic links are followed):
// - a folder holding CIFAR batches (`test_batch.bin`, `data_batch_N.bin`, `test.bin`, `train.bin`):
//   CIFAR, see below. A folder stands for its test split when it has one (`test_batch.bin`, else
//   `data_batch_*.bin` concatenated by N; CIFAR-100: `test.bin`, else `train.bin`); give a batch
//   file to read another.
// - any other folder whose subfolders hold images (at any depth): an ImageFolder tree, like
//   torchvision's. Each subfolder is a class; class names are sorted byte-wise and a label is the
//   index of its class in that list (empty class folders keep their place). Images are found
//   recursively in each class folder and ordered by (folder, file name). Symbolic links are
//   followed, but each real file (device and inode) counts once per class and each real folder is
//   walked once per class, so links that form a cycle or a DAG cannot multiply the items (the
//   extra links are reported by warnings()). Files directly in the root are ignored, as torchvision
//   does, and warnings() names them. kind "imagefolder".
// - a folder with images directly inside and none in subfolders: unlabelled (label -1), files
//   sorted by name, not recursive. kind "folder".
//   In both folder kinds, images are files named *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp (any
//   letter case); other files and names starting with '.' are ignored. A folder without any image
//   is refused. Images are decoded when read (decodeImageFile(), ImageDecode.h): a file that fails
//   is reported by image() and skipped by the extraction, not refused here.
// - a `*.csv` file: one `path[,label]` record per line (RFC 4180 quoting; extra columns ignored;
//   blank lines skipped). The first record is a header when its first field names a path column:
//   "path", "file", "filename", "filepath", "image", "image_path" (any case); any other first line
//   is data, so a first line whose label is not an integer is refused naming the line. Relative paths are resolved against the CSV's folder.
//   An empty or absent label, or -1, means unlabelled. A header column after the first two named
//   `label_name` (any case), as in `path,label,label_name`, names the labels: each labelled line
//   may name its label (empty: no name); a label named differently on two lines, a name on an
//   unlabelled line, a label of kMaxClassNames or more with a name, or a name that fails
//   checkClassName() is refused naming the line. Without a header there are no names. kind "csv".
// - a `*.bin` file: a CIFAR batch of fixed-size records of label byte(s) then the R, G and B
//   planes of a 32 x 32 image. `train.bin` / `test.bin` are CIFAR-100 (coarse and fine label
//   bytes; the fine label is used), `data_batch_*` / `test_batch*` CIFAR-10 (one label byte); any
//   other name is decided by which record size divides the file size. The file size must be a
//   multiple of the record size. Records are read on demand. kind "cifar10" / "cifar100".
// - an IDX images file (a name containing `idx` or `ubyte` such as `*-images-idx3-ubyte[.gz]`, or
//   any file that starts with an IDX header, raw or gzip): labels are read from the sibling file
//   with `images-idx3` replaced by `labels-idx1` when it exists. kind "idx".
// Fingerprints: folders and CSV hash the canonical path of their root (the folder, or the CSV's
// folder) and (path relative to the root, inode, size, mtime, label; not the device, which differs between machines mounting one network filesystem) of every listed file,
// so that two folders of the same layout, sizes and mtimes, or a copy of a set, never share a
// cache entry (no file is read); CIFAR and IDX hash the content. Each also holds the pixel bound.
// Throws Error naming the path when it does not exist, the kind is not recognised, the folder holds
// no image, or the file is malformed.
std::unique_ptr<Dataset> openDataset(const std::string& path, const DatasetOptions& options = {});

// Default display name of a dataset path: the file or folder name without .npz/IDX/gzip/.csv/.bin suffixes.
std::string datasetDisplayName(const std::string& path);

} // namespace oodlens
