// SPDX-License-Identifier: GPL-3.0-or-later
// Kind detection: which reader of DatasetKinds.h opens a path.
#include "datasets/Dataset.h"

#include "datasets/internal/DatasetKinds.h"
#include "common/Error.h"
#include "datasets/Idx.h"
#include "datasets/ImageDecode.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lowerCase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool looksLikeIdx(const std::string& path)
{
    const std::string name = fs::path(path).filename().string();
    if (name.find("idx") != std::string::npos || name.find("ubyte") != std::string::npos)
        return true;
    // Any other name: an IDX header (raw or gzip) at the start of the file.
    try {
        readIdxHeader(path);
        return true;
    } catch (const Error&) {
        return false;
    }
}

const char* const kExpected =
    "expected a folder of class subfolders of images (ImageFolder), a folder of images, a .csv list of "
    "path[,label] lines, an IDX file such as *-images-idx3-ubyte[.gz], or a CIFAR-10/100 .bin batch or folder";

} // namespace

std::unique_ptr<Dataset> openDataset(const std::string& path, const DatasetOptions& options)
{
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw Error("dataset '" + path + "' does not exist");
    if (fs::is_directory(status))
        return isCifarFolder(path) ? openCifarDataset(path) : openImageFolderDataset(path, options);
    if (!fs::is_regular_file(status))
        throw Error("dataset '" + path + "' is neither a file nor a folder");

    const std::string name = lowerCase(fs::path(path).filename().string());
    if (endsWith(name, ".csv"))
        return openCsvDataset(path, options);
    if (endsWith(name, ".bin"))
        return openCifarDataset(path);
    if (looksLikeIdx(path))
        return openIdxDataset(path, options);
    if (hasImageExtension(path))
        throw Error("dataset '" + path + "' is a single image, not a dataset: give the folder that holds it (" +
                    kExpected + ")");
    throw Error("dataset '" + path + "': unrecognised kind (" + kExpected + ")");
}

std::string datasetDisplayName(const std::string& path)
{
    std::string name = fs::path(path).filename().string();
    if (name.empty())
        name = fs::path(path).parent_path().filename().string();
    for (const char* suffix : {".npz", ".csv", ".bin", ".gz", "-ubyte", "-images-idx3", "_images-idx3", "-idx3", ".idx3"})
        if (endsWith(name, suffix))
            name.resize(name.size() - std::string(suffix).size());
    return name.empty() ? "ood" : name;
}

} // namespace oodlens
