// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Applying a detector to new, unlabelled images: each image is scored with the detector's method
// and accepted (score >= threshold) or flagged. Streams: the images are extracted in blocks (each
// block cached like any dataset), scored and handed out, so memory holds one block's features and
// a score per image, whatever the number of images.
#include "detector/Detector.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

struct ApplyOptions {
    std::vector<std::string> sources; // folders, CSV lists, IDX files, CIFAR batches (openDataset)
    std::string modelPath;            // empty: the detector's
    std::string device;               // empty: the detector's
    bool allowModelMismatch = false;  // score with a model whose SHA-256 differs (a warning, not an error)
    int batchSize = 128;
    std::uint64_t maxPixels = 0;      // 0: the default bound (kDefaultMaxImagePixels)
    std::string cacheDir;             // empty: no cache
    std::size_t blockImages = 4096;   // images extracted, scored and released at a time
};

// One image's decision.
struct ApplyDecision {
    std::size_t source = 0; // index into ApplyOptions::sources
    std::size_t item = 0;   // the image's index in its source (Dataset::image(item))
    std::string path;
    bool readable = true;   // false: the image could not be read (`reason` says why); nothing else is set
    std::string reason;
    double score = 0;       // NaN when the method gives none
    bool flagged = false;   // score < threshold, or NaN
    int predicted = -1;     // the model's class
    std::string className;  // its name, when the detector knows the names
    double margin = 0;      // score - threshold (> = 0 accepted)
};

struct ApplySource {
    std::string path, kind;
    std::size_t items = 0, scored = 0, unreadable = 0, flagged = 0, nan = 0, fromCache = 0; // fromCache: blocks
    std::string error; // the source could not be opened: nothing of it was scored
    std::vector<double> scores; // every score of its images, in order (the histogram's)
};

struct ApplySummary {
    std::string modelPath, modelSha256;
    bool modelMismatch = false; // scored with --allow-model-mismatch
    double threshold = 0;
    std::vector<ApplySource> sources;
    std::size_t scored = 0, flagged = 0, unreadable = 0, nan = 0;
    std::vector<std::string> warnings;
    double seconds = 0;
    double flaggedFraction() const { return scored ? double(flagged) / double(scored) : 0.0; }
};

// Loads the model, checks its hash (Error naming both hashes unless allowModelMismatch), fits the
// detector's method on its fit set when it has one, then streams every source and calls
// `decision` for each image in order (unreadable ones too). A source that cannot be opened is
// reported in its ApplySource and the others go on; Error when none can. Cancelled when the sink
// asks for it (what was handed out stays handed out).
ApplySummary applyDetector(const Detector& detector, const ApplyOptions& options,
                           const std::function<void(const ApplyDecision&)>& decision, ProgressSink* sink = nullptr);

// decisions.csv's header and one row: path,set,score,decision,predicted_class,predicted_name,margin
// (decision accepted / flagged / unreadable; set = the source's index; numbers round-trip exactly).
std::string decisionsCsvHeader();
std::string decisionsCsvRow(const ApplyDecision& d);

// summary.json: the detector, the model, counts per source, the flagged fraction.
std::string applySummaryJson(const Detector& detector, const ApplySummary& summary);
// A few lines for people: "fashion: 2000 images, 1863 flagged (93.2 %)".
std::string applySummaryText(const Detector& detector, const ApplySummary& summary);

} // namespace oodlens
