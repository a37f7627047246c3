// SPDX-License-Identifier: GPL-3.0-or-later
// CIFAR-10 / CIFAR-100 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size
// records of label byte(s) then 3072 pixel bytes, the R, G and B planes of a 32 x 32 image.
#include "datasets/internal/DatasetKinds.h"

#include "common/Error.h"
#include "common/internal/Hash.h"
#include "common/internal/RegularFile.h"
#include "datasets/ClassNames.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <utility>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

constexpr int kSide = 32;
constexpr std::size_t kPixelBytes = 3 * kSide * kSide;
constexpr std::size_t kChunkRecords = 256; // records read at once while scanning labels

struct Variant {
    int classes = 10;       // 10 or 100
    std::size_t labelBytes; // 1 (label) or 2 (coarse, fine)
    std::size_t recordBytes() const { return labelBytes + kPixelBytes; }
    std::string name() const { return classes == 10 ? "CIFAR-10" : "CIFAR-100"; }
};

const Variant kCifar10{10, 1};
const Variant kCifar100{100, 2};

bool startsWith(const std::string& s, const char* prefix)
{
    return s.rfind(prefix, 0) == 0;
}

// An open file descriptor, closed when the owner goes (also when a constructor throws half-way).
class FileDescriptor {
public:
    explicit FileDescriptor(int fd = -1) : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept
    {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { close(); }
    int get() const { return fd_; }

private:
    void close()
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }
    int fd_;
};

// Reads exactly n bytes at offset; false at end of file. Throws Error naming the file on an I/O error.
bool preadAll(int fd, std::uint8_t* out, std::size_t n, std::uint64_t offset, const std::string& path)
{
    std::size_t done = 0;
    while (done < n) {
        const ssize_t got = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw Error("cannot read CIFAR file '" + path + "': " + std::strerror(errno));
        }
        if (got == 0)
            return false;
        done += static_cast<std::size_t>(got);
    }
    return true;
}

// The variant a file name stands for: train.bin / test.bin are CIFAR-100's, data_batch_N.bin and
// test_batch.bin CIFAR-10's. Other names are decided by which record size divides the file size.
Variant variantOf(const std::string& path, std::uint64_t size)
{
    const std::string name = fs::path(path).filename().string();
    if (name == "train.bin" || name == "test.bin")
        return kCifar100;
    if (startsWith(name, "data_batch") || startsWith(name, "test_batch"))
        return kCifar10;
    const bool ten = size % kCifar10.recordBytes() == 0, hundred = size % kCifar100.recordBytes() == 0;
    if (ten && !hundred)
        return kCifar10;
    if (hundred && !ten)
        return kCifar100;
    throw Error("cannot read CIFAR file '" + path + "': " +
                (ten ? "cannot tell CIFAR-10 from CIFAR-100 by its size; name it data_batch_N.bin / test_batch.bin "
                       "(CIFAR-10) or train.bin / test.bin (CIFAR-100)"
                     : "its size (" + std::to_string(size) + " bytes) is a multiple of neither the " +
                           std::to_string(kCifar10.recordBytes()) + "-byte CIFAR-10 record nor the " +
                           std::to_string(kCifar100.recordBytes()) + "-byte CIFAR-100 record"));
}

// Class names from the text file CIFAR ships next to the batches (batches.meta.txt for CIFAR-10,
// fine_label_names.txt for CIFAR-100), when present. A file that cannot be read or lists another
// number of names is not used, and `warning` says why.
std::vector<std::string> readClassNames(const fs::path& dir, const Variant& v, std::string& warning)
{
    const fs::path file = dir / (v.classes == 10 ? "batches.meta.txt" : "fine_label_names.txt");
    std::error_code ec;
    if (!fs::exists(file, ec))
        return {};
    std::vector<std::string> names;
    try {
        names = readClassNamesFile(file.string());
    } catch (const Error& e) {
        warning = std::string(e.what()) + "; labels are shown by number";
        return {};
    }
    if (names.size() != static_cast<std::size_t>(v.classes)) {
        warning = "class names in '" + file.string() + "' not used: it lists " + std::to_string(names.size()) +
                  " names but " + v.name() + " has " + std::to_string(v.classes) + " classes";
        return {};
    }
    return names;
}

class CifarDataset final : public Dataset {
public:
    CifarDataset(const std::string& source, const std::vector<std::string>& files, const Variant* forced)
        : source_(source)
    {
        for (const std::string& path : files) {
            File f;
            f.path = path;
            std::uint64_t size = 0;
            f.fd = FileDescriptor(openRegularFile(path, "cannot read CIFAR file", &size));
            const Variant v = forced ? *forced : variantOf(path, size);
            if (files_.empty())
                variant_ = v;
            else if (v.classes != variant_.classes)
                throw Error("cannot read CIFAR file '" + path + "': it is " + v.name() + " but '" + files_[0].path +
                            "' is " + variant_.name());
            // Checked before anything proportional to the size is allocated.
            const std::size_t record = variant_.recordBytes();
            if (size % record != 0)
                throw Error("cannot read " + variant_.name() + " file '" + path + "': its size (" +
                            std::to_string(size) + " bytes) is not a multiple of the " + std::to_string(record) +
                            "-byte record (" + std::to_string(variant_.labelBytes) + " label byte" +
                            (variant_.labelBytes > 1 ? "s" : "") + " + 3072 pixel bytes)");
            if (size == 0)
                throw Error("cannot read " + variant_.name() + " file '" + path + "': the file is empty");
            f.first = total_;
            f.records = static_cast<std::size_t>(size / record);
            total_ += f.records;
            scanLabels(f);
            files_.push_back(std::move(f));
        }
        classNames_ = readClassNames(fs::path(files_[0].path).parent_path(), variant_, classNamesWarning_);
    }

    std::string kind() const override { return variant_.classes == 10 ? "cifar10" : "cifar100"; }
    std::string source() const override { return source_; }
    std::size_t size() const override { return total_; }
    int label(std::size_t i) const override { return labels_.at(i); }
    std::vector<std::string> classNames() const override { return classNames_; }
    std::string classNamesWarning() const override { return classNamesWarning_; }
    // "cifar10:" / "cifar100:" + SHA-256 of the content of the files in order. Computed on the first
    // call (about 0.2 s per 30 MB batch), not at open.
    std::string fingerprint() const override
    {
        std::call_once(fingerprintOnce_, [this] {
            Sha256 h;
            const std::size_t record = variant_.recordBytes();
            std::vector<std::uint8_t> chunk(kChunkRecords * record);
            for (const File& f : files_)
                for (std::size_t r = 0; r < f.records; r += kChunkRecords) {
                    const std::size_t count = std::min(kChunkRecords, f.records - r);
                    if (!preadAll(f.fd.get(), chunk.data(), count * record, std::uint64_t(r) * record, f.path))
                        throw Error("cannot read " + variant_.name() + " file '" + f.path +
                                    "': truncated (the file changed since it was opened)");
                    h.update(chunk.data(), count * record);
                }
            fingerprint_ = (variant_.classes == 10 ? "cifar10:" : "cifar100:") + h.hexDigest();
        });
        return fingerprint_;
    }

    std::string itemPath(std::size_t i) const override
    {
        const File& f = fileOf(i);
        return f.path + "#" + std::to_string(i - f.first);
    }

    ImageU8 image(std::size_t i) const override
    {
        const File& f = fileOf(i);
        const std::size_t record = variant_.recordBytes();
        std::uint8_t planes[kPixelBytes];
        if (!preadAll(f.fd.get(), planes, kPixelBytes, (i - f.first) * record + variant_.labelBytes, f.path))
            throw Error("cannot read " + variant_.name() + " file '" + f.path + "': record " +
                        std::to_string(i - f.first) + " is truncated (the file changed since it was opened)");
        ImageU8 img;
        img.width = img.height = kSide;
        img.channels = 3;
        img.pixels.resize(kPixelBytes);
        constexpr std::size_t plane = kSide * kSide;
        for (std::size_t p = 0; p < plane; ++p)
            for (std::size_t c = 0; c < 3; ++c)
                img.pixels[p * 3 + c] = planes[c * plane + p];
        return img;
    }

private:
    struct File {
        std::string path;
        FileDescriptor fd;
        std::size_t first = 0; // dataset index of its first record
        std::size_t records = 0;
    };

    const File& fileOf(std::size_t i) const
    {
        if (i >= total_)
            throw Error("item " + std::to_string(i) + " is out of range for '" + source_ + "' (" +
                        std::to_string(total_) + " images)");
        auto it =
            std::upper_bound(files_.begin(), files_.end(), i, [](std::size_t v, const File& f) { return v < f.first; });
        return *(it - 1);
    }

    // One sequential pass in chunks: keeps the labels, validated.
    void scanLabels(const File& f)
    {
        const std::size_t record = variant_.recordBytes();
        std::vector<std::uint8_t> chunk(kChunkRecords * record);
        labels_.reserve(total_);
        for (std::size_t r = 0; r < f.records; r += kChunkRecords) {
            const std::size_t count = std::min(kChunkRecords, f.records - r);
            if (!preadAll(f.fd.get(), chunk.data(), count * record, static_cast<std::uint64_t>(r) * record, f.path))
                throw Error("cannot read " + variant_.name() + " file '" + f.path + "': truncated while reading");
            for (std::size_t k = 0; k < count; ++k) {
                const std::uint8_t* rec = chunk.data() + k * record;
                const int label = rec[variant_.labelBytes - 1]; // CIFAR-100: the fine label, after the coarse one
                const bool bad = label >= variant_.classes || (variant_.classes == 100 && rec[0] >= 20);
                if (bad)
                    throw Error("cannot read " + variant_.name() + " file '" + f.path + "': record " +
                                std::to_string(r + k) + " has label " +
                                (variant_.classes == 100 ? std::to_string(rec[0]) + "/" : std::string()) +
                                std::to_string(label) +
                                (variant_.classes == 10 ? " (expected 0-9)" : " (expected coarse 0-19 / fine 0-99)") +
                                "; is this really a " + variant_.name() + " batch?");
                labels_.push_back(static_cast<std::uint8_t>(label));
            }
        }
    }

    std::string source_;
    std::vector<File> files_;
    Variant variant_ = kCifar10;
    std::size_t total_ = 0;
    std::vector<std::uint8_t> labels_;
    std::vector<std::string> classNames_;
    std::string classNamesWarning_;
    mutable std::once_flag fingerprintOnce_;
    mutable std::string fingerprint_;
};

bool isFile(const fs::path& p)
{
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// data_batch_N.bin files of a folder, by N.
std::vector<std::string> trainingBatches(const fs::path& dir)
{
    std::vector<std::pair<long, std::string>> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!startsWith(name, "data_batch_") || name.size() <= 15 || name.compare(name.size() - 4, 4, ".bin") != 0)
            continue;
        const std::string digits = name.substr(11, name.size() - 15);
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            digits.size() > 9 || !isFile(it->path()))
            continue;
        found.emplace_back(std::stol(digits), it->path().string());
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found)
        out.push_back(std::move(f.second));
    return out;
}

} // namespace

bool isCifarFolder(const std::string& folder)
{
    const fs::path dir(folder);
    return isFile(dir / "test_batch.bin") || isFile(dir / "test.bin") || isFile(dir / "train.bin") ||
           !trainingBatches(dir).empty();
}

std::unique_ptr<Dataset> openCifarDataset(const std::string& path)
{
    std::error_code ec;
    if (!fs::is_directory(path, ec))
        return std::make_unique<CifarDataset>(path, std::vector<std::string>{path}, nullptr);
    // A folder stands for its test split when it has one, else for its training batches.
    const fs::path dir(path);
    if (isFile(dir / "test_batch.bin"))
        return std::make_unique<CifarDataset>(path, std::vector<std::string>{(dir / "test_batch.bin").string()},
                                              &kCifar10);
    if (std::vector<std::string> batches = trainingBatches(dir); !batches.empty())
        return std::make_unique<CifarDataset>(path, batches, &kCifar10);
    if (isFile(dir / "test.bin"))
        return std::make_unique<CifarDataset>(path, std::vector<std::string>{(dir / "test.bin").string()}, &kCifar100);
    if (isFile(dir / "train.bin"))
        return std::make_unique<CifarDataset>(path, std::vector<std::string>{(dir / "train.bin").string()}, &kCifar100);
    throw Error("folder '" + path +
                "' holds no CIFAR batch file (data_batch_N.bin, test_batch.bin, train.bin, test.bin)");
}

} // namespace oodlens
