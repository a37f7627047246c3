// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Internal to the core: the readers behind openDataset(), one per format, each in its own .cpp.
// Callers outside core/ use openDataset() (Dataset.h), which picks one of these from the path.
#include "datasets/Dataset.h"

#include <memory>
#include <string>

namespace oodlens {

// IDX images file (raw or gzip) with labels from the sibling `labels-idx1` file (IdxDataset.cpp).
std::unique_ptr<Dataset> openIdxDataset(const std::string& path, const DatasetOptions& options);

// ImageFolder tree or flat folder of images (ImageFolderDataset.cpp). Throws Error naming the
// folder when it holds no image file.
std::unique_ptr<Dataset> openImageFolderDataset(const std::string& folder, const DatasetOptions& options);

// CSV list of `path[,label]` lines (CsvDataset.cpp).
std::unique_ptr<Dataset> openCsvDataset(const std::string& path, const DatasetOptions& options);

// CIFAR-10/100 binary batch file, or a folder of them (CifarDataset.cpp).
std::unique_ptr<Dataset> openCifarDataset(const std::string& path);
// True when the folder holds CIFAR batch files (data_batch_N.bin, test_batch.bin, train.bin, test.bin).
bool isCifarFolder(const std::string& folder);

} // namespace oodlens
