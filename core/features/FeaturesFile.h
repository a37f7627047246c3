// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The "features" dataset kind: features and logits extracted elsewhere (PyTorch on a GPU machine),
// analysed here without the images; and the same format written from any extraction
// (`oodlens-cli export-features`).
//
// A NumPy .npz archive (np.savez or np.savez_compressed), or a folder of NAME.npy files, holding
//   features    float [N, D]   penultimate features, one row per image
//   logits      float [N, C]   the classifier's outputs
//   labels      int   [N]      optional; -1 = unknown
//   paths       str   [N]      optional; the image of each row (default "<file>#<row>")
//   head_weight float [C, D]   optional; the last layer, logits = features @ head_weight.T + head_bias
//   head_bias   float [C]      optional (zeros when head_weight comes alone)
//   class_names str   [C]      optional; the model's class names (what predictions are called)
//   label_names str   [L]      optional; the names of the labels, index = label
// float is float32 or float64 (read as float32), int any NumPy integer width.
#include "features/FeatureSet.h"
#include "model/Classifier.h"

#include <cstdint>
#include <optional>
#include <string>

namespace oodlens {

// DatasetSummary::kind of a features file.
constexpr const char* kFeaturesKind = "features";

// *.npz (any letter case), or a folder holding features.npy.
bool isFeaturesPath(const std::string& path);

struct FeaturesFile {
    FeatureSet set;          // rows in file order; index = row, labels -1 where absent
    std::optional<Head> head; // from head_weight / head_bias
    std::vector<std::string> classNames; // class_names: C names, or none
    std::vector<std::string> labelNames; // label_names, or none
    std::string fingerprint;  // "features:" + SHA-256 of the canonical path, size and mtime
};

// The decoded bytes the arrays of a features file may take together: 64 times the file's size
// (real float features compress far less; a zip bomb is refused), and at least 16 MiB.
std::uint64_t featuresFileByteCap(const std::string& path);

// Reads and checks a features file: shapes agree (N rows everywhere, head [C, D]), labels are
// whole numbers from -1, every value finite. Throws Error naming the file, the array and the problem.
FeaturesFile readFeaturesFile(const std::string& path);
// Only its head and class names (no other array is read): what a run without --model stands on.
// Throws Error naming the file when it has no head ("give --model FILE, or save head_weight").
struct FeaturesHead {
    Head head;
    std::vector<std::string> classNames;
};
FeaturesHead readFeaturesHead(const std::string& path);

// Writes `set` (and `head` when given) as a .npz that readFeaturesFile() and np.load read: the
// arrays above, labels int64, paths str. Atomic (a temporary file renamed into place).
// `classNames` (the model's, C of them) and `labelNames` (the dataset's) are written when not empty.
void writeFeaturesFile(const std::string& path, const FeatureSet& set, const Head* head,
                       const std::vector<std::string>& classNames = {}, const std::vector<std::string>& labelNames = {});

// How far `head` reproduces the logits on the first rows of `set`: max |features W^T + b - logits|
// over max(1, max |logits|), on up to 256 rows. Gradient closed forms read both; a file whose logits
// are not its head's output deserves a warning.
double headMismatch(const FeatureSet& set, const Head& head);

} // namespace oodlens
