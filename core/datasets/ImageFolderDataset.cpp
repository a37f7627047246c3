// SPDX-License-Identifier: GPL-3.0-or-later
// ImageFolder trees (one subfolder per class, like torchvision.datasets.ImageFolder) and flat
// folders of unlabelled images.
#include "datasets/internal/DatasetKinds.h"

#include "common/Error.h"
#include "datasets/internal/FileListDataset.h"
#include "datasets/ImageDecode.h"

#include <sys/stat.h>

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

// A real file or folder, whatever links lead to it.
using FileId = std::pair<unsigned long long, unsigned long long>; // (device, inode)

bool fileId(const fs::path& p, FileId& id)
{
    struct stat st;
    if (::stat(p.c_str(), &st) != 0)
        return false;
    id = {static_cast<unsigned long long>(st.st_dev), static_cast<unsigned long long>(st.st_ino)};
    return true;
}

// One class folder's walk: each real folder is walked once (a link back to a folder already seen,
// a cycle or a second path in a DAG of links, adds nothing), so the work is bounded by the real
// folders, not by the paths through the links.
struct Walk {
    std::set<FileId> folders;
    std::size_t skippedLinks = 0; // folder links not followed because their folder was walked
    std::string firstSkipped;
};

// Collects the image files below `dir` (whose path relative to the root is `rel`).
void walk(const fs::path& dir, const std::string& rel, Walk& w, std::vector<Found>& out)
{
    FileId id;
    if (fileId(dir, id) && !w.folders.insert(id).second) {
        if (w.skippedLinks++ == 0)
            w.firstSkipped = rel;
        return;
    }
    for (const Entry& e : listFolder(dir)) {
        if (e.directory)
            walk(dir / e.name, rel + "/" + e.name, w, out);
        else
            out.push_back({rel, e.name});
    }
}

} // namespace

std::unique_ptr<Dataset> openImageFolderDataset(const std::string& folder, const DatasetOptions& options)
{
    const fs::path root(folder);
    const std::vector<Entry> top = listFolder(root);
    FileId rootId{};
    const bool haveRootId = fileId(root, rootId);
    std::vector<std::string> warnings;
    std::size_t duplicateFiles = 0, skippedLinks = 0;
    std::string firstDuplicate, firstSkippedLink;

    // Every subfolder is a class, in byte-wise name order (torchvision's find_classes); its images
    // are found recursively and ordered by (folder, file name) like torchvision's sorted(os.walk()).
    std::vector<std::string> classes;
    std::vector<ImageFileItem> items;
    for (const Entry& e : top) {
        if (!e.directory)
            continue;
        const int label = static_cast<int>(classes.size());
        classes.push_back(e.name);
        std::vector<Found> found;
        Walk w;
        if (haveRootId)
            w.folders.insert(rootId); // a link back to the root is a cycle
        walk(root / e.name, e.name, w, found);
        if (w.skippedLinks && skippedLinks == 0)
            firstSkippedLink = w.firstSkipped;
        skippedLinks += w.skippedLinks;
        std::sort(found.begin(), found.end(),
                  [](const Found& a, const Found& b) { return a.dir != b.dir ? a.dir < b.dir : a.name < b.name; });
        // Each real file once per class: the first of its paths in (folder, name) order.
        std::set<FileId> files;
        for (const Found& f : found) {
            const fs::path p = root / fs::path(f.dir) / f.name;
            FileId id;
            if (fileId(p, id) && !files.insert(id).second) {
                if (duplicateFiles++ == 0)
                    firstDuplicate = f.dir + "/" + f.name;
                continue;
            }
            items.push_back({p.string(), label});
        }
    }
    if (!items.empty()) {
        // Files directly in the root are ignored, as torchvision does; empty class folders keep
        // their place in the class list so that labels stay the same.
        std::size_t rootImages = 0;
        std::string firstRootImage;
        for (const Entry& e : top)
            if (!e.directory && rootImages++ == 0)
                firstRootImage = e.name;
        if (rootImages)
            warnings.push_back("folder '" + folder + "' is read as an ImageFolder (its " +
                               std::to_string(classes.size()) + " subfolder" + (classes.size() == 1 ? " is a" : "s are") +
                               " class" + (classes.size() == 1 ? "" : "es") + "), so the " + std::to_string(rootImages) +
                               " image file" + (rootImages == 1 ? "" : "s") + " directly in it (first: '" +
                               firstRootImage + "') " + (rootImages == 1 ? "is" : "are") +
                               " ignored; move them into a class folder, or list the files in a CSV");
        if (skippedLinks)
            warnings.push_back("folder '" + folder + "': " + std::to_string(skippedLinks) +
                               " linked folder" + (skippedLinks == 1 ? "" : "s") + " (first: '" + firstSkippedLink +
                               "') lead to a folder already read in the same class and " +
                               (skippedLinks == 1 ? "was" : "were") + " not read again (a cycle or repeated links)");
        if (duplicateFiles)
            warnings.push_back("folder '" + folder + "': " + std::to_string(duplicateFiles) + " file path" +
                               (duplicateFiles == 1 ? "" : "s") + " (first: '" + firstDuplicate +
                               "') lead to an image already listed in the same class and " +
                               (duplicateFiles == 1 ? "is" : "are") + " counted once");
        return std::make_unique<FileListDataset>("imagefolder", folder, folder, std::move(items), std::move(classes),
                                                 options.maxPixels, std::move(warnings));
    }

    // No class subfolder holds an image: a flat folder of unlabelled images.
    for (const Entry& e : top)
        if (!e.directory)
            items.push_back({(root / e.name).string(), -1});
    if (items.empty())
        throw Error("folder '" + folder +
                    "' holds no image file (expected class subfolders of images, or images directly inside; "
                    "image files are named *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)");
    return std::make_unique<FileListDataset>("folder", folder, folder, std::move(items), std::vector<std::string>(),
                                             options.maxPixels);
}

} // namespace oodlens
