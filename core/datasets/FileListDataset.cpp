// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/internal/FileListDataset.h"

#include "common/internal/Hash.h"
#include "datasets/ImageDecode.h"

#include <sys/stat.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

std::string relativeTo(const fs::path& file, const fs::path& root)
{
    const fs::path rel = file.lexically_relative(root);
    return rel.empty() ? file.generic_string() : rel.generic_string();
}

} // namespace

FileListDataset::FileListDataset(std::string kind, std::string source, const std::string& root,
                                 std::vector<ImageFileItem> items, std::vector<std::string> classNames,
                                 std::uint64_t maxPixels, std::vector<std::string> warnings)
    : kind_(std::move(kind)), source_(std::move(source)), items_(std::move(items)), classNames_(std::move(classNames)),
      maxPixels_(maxPixels), warnings_(std::move(warnings))
{
    const fs::path base = fs::path(root).lexically_normal();
    std::error_code rootEc;
    const fs::path canonicalRoot = fs::weakly_canonical(fs::absolute(base, rootEc), rootEc);
    Sha256 h;
    // Where the set is: without it, two folders of the same layout, sizes and mtimes share an entry.
    h.update("root\n");
    h.update(rootEc ? fs::absolute(base).lexically_normal().string() : canonicalRoot.string());
    h.update("\0maxPixels " + std::to_string(maxPixels_) + "\n");
    h.update("classes\n");
    for (const std::string& name : classNames_) {
        h.update(name);
        h.update("\0", 1);
    }
    h.update("items\n");
    for (const ImageFileItem& item : items_) {
        const fs::path p = fs::path(item.path).lexically_normal();
        // One stat: the inode tells copies apart (with the canonical root above), size and mtime
        // tell edits. Not the device number: a network filesystem gets a different one on each
        // machine that mounts it, and the shards of a set extracted on cluster nodes must key the
        // same as on the machine that merges them (its server's inode numbers are the same everywhere).
        struct stat st;
        long long bytes = -1, mtime = 0;
        unsigned long long inode = 0;
        if (::stat(p.c_str(), &st) == 0) {
            bytes = static_cast<long long>(st.st_size);
            mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
            inode = static_cast<unsigned long long>(st.st_ino);
        }
        h.update(relativeTo(p, base));
        h.update("\0", 1);
        h.update(std::to_string(inode) + " " + std::to_string(bytes) + " " +
                 std::to_string(mtime) + " " + std::to_string(item.label) + "\n");
    }
    fingerprint_ = kind_ + ":" + h.hexDigest();
}

ImageU8 FileListDataset::image(std::size_t i) const
{
    return decodeImageFile(items_.at(i).path, maxPixels_);
}

} // namespace oodlens
