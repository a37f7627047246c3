// SPDX-License-Identifier: GPL-3.0-or-later
// ImageFolder trees (one subfolder per class, like torchvision.datasets.ImageFolder) and flat
// folders of unlabelled images.
#include "datasets/internal/DatasetKinds.h"

#include "common/Error.h"
#include "datasets/internal/FileListDataset.h"
#include "datasets/ImageDecode.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

struct Entry {
    std::string name;
    bool directory = false;
};

// The non-hidden subfolders and image files of `dir`, sorted byte-wise by name. Symbolic links
// are followed; broken links and other file types are left out.
std::vector<Entry> listFolder(const fs::path& dir)
{
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec)
        throw Error("cannot list folder '" + dir.string() + "': " + ec.message());
    std::vector<Entry> out;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.')
            continue;
        std::error_code typeEc;
        if (it->is_directory(typeEc))
            out.push_back({name, true});
        else if (it->is_regular_file(typeEc) && hasImageExtension(name))
            out.push_back({name, false});
    }
    if (ec)
        throw Error("cannot list folder '" + dir.string() + "': " + ec.message());
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return out;
}

struct Found {
    std::string dir; // relative to the dataset root, '/'-separated
    std::string name;
};

// Collects the image files below `dir` (whose path relative to the root is `rel`). Symbolic links
// to folders are followed, except one that leads back to a folder being walked (a cycle).
void walk(const fs::path& dir, const std::string& rel, std::set<std::string>& ancestors, std::vector<Found>& out)
{
    std::error_code ec;
    const std::string canonical = fs::canonical(dir, ec).string();
    if (!ec && !ancestors.insert(canonical).second)
        return;
    for (const Entry& e : listFolder(dir)) {
        if (e.directory)
            walk(dir / e.name, rel + "/" + e.name, ancestors, out);
        else
            out.push_back({rel, e.name});
    }
    if (!ec)
        ancestors.erase(canonical);
}

} // namespace

std::unique_ptr<Dataset> openImageFolderDataset(const std::string& folder)
{
    const fs::path root(folder);
    const std::vector<Entry> top = listFolder(root);

    // Every subfolder is a class, in byte-wise name order (torchvision's find_classes); its images
    // are found recursively and ordered by (folder, file name) like torchvision's sorted(os.walk()).
    std::vector<std::string> classes;
    std::vector<ImageFileItem> items;
    std::set<std::string> ancestors;
    std::error_code ec;
    ancestors.insert(fs::canonical(root, ec).string());
    for (const Entry& e : top) {
        if (!e.directory)
            continue;
        const int label = static_cast<int>(classes.size());
        classes.push_back(e.name);
        std::vector<Found> found;
        walk(root / e.name, e.name, ancestors, found);
        std::sort(found.begin(), found.end(),
                  [](const Found& a, const Found& b) { return a.dir != b.dir ? a.dir < b.dir : a.name < b.name; });
        for (const Found& f : found)
            items.push_back({(root / fs::path(f.dir) / f.name).string(), label});
    }
    if (!items.empty())
        // Files directly in the root are ignored, as torchvision does; empty class folders keep
        // their place in the class list so that labels stay the same.
        return std::make_unique<FileListDataset>("imagefolder", folder, folder, std::move(items), std::move(classes));

    // No class subfolder holds an image: a flat folder of unlabelled images.
    for (const Entry& e : top)
        if (!e.directory)
            items.push_back({(root / e.name).string(), -1});
    if (items.empty())
        throw Error("folder '" + folder +
                    "' holds no image file (expected class subfolders of images, or images directly inside; "
                    "image files are named *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)");
    return std::make_unique<FileListDataset>("folder", folder, folder, std::move(items), std::vector<std::string>());
}

} // namespace oodlens
