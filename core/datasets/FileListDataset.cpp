// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/internal/FileListDataset.h"

#include "common/internal/Hash.h"
#include "datasets/ImageDecode.h"

#include <chrono>
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
                                 std::vector<ImageFileItem> items, std::vector<std::string> classNames)
    : kind_(std::move(kind)), source_(std::move(source)), items_(std::move(items)), classNames_(std::move(classNames))
{
    const fs::path base = fs::path(root).lexically_normal();
    Sha256 h;
    h.update("classes\n");
    for (const std::string& name : classNames_) {
        h.update(name);
        h.update("\0", 1);
    }
    h.update("items\n");
    for (const ImageFileItem& item : items_) {
        std::error_code ec;
        const fs::path p = fs::path(item.path).lexically_normal();
        const std::uintmax_t size = fs::file_size(p, ec);
        long long bytes = -1, mtime = 0;
        if (!ec) {
            bytes = static_cast<long long>(size);
            const auto t = fs::last_write_time(p, ec);
            if (!ec)
                mtime = static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
        }
        h.update(relativeTo(p, base));
        h.update("\0", 1);
        h.update(std::to_string(bytes) + " " + std::to_string(mtime) + " " + std::to_string(item.label) + "\n");
    }
    fingerprint_ = kind_ + ":" + h.hexDigest();
}

ImageU8 FileListDataset::image(std::size_t i) const
{
    return decodeImageFile(items_.at(i).path);
}

} // namespace oodlens
