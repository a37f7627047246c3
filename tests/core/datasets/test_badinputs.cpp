// SPDX-License-Identifier: GPL-3.0-or-later
// Bad input for the dataset readers (issue 11): fingerprints that identify where a set is,
// images refused from their header (pixel bound, truncated PNG / JPEG), FIFOs and devices that
// would block, symbolic-link DAGs, IDX gzip streams with forged sizes, surprising CSV and folder
// layouts. Every input is generated here. Memory is measured as the growth of the peak resident
// set (VmHWM, reset through /proc/self/clear_refs) over the call.
#include "common/Error.h"
#include "datasets/Dataset.h"
#include "datasets/Idx.h"
#include "datasets/ImageDecode.h"

// OpenCV writes the fixture images and is the reference for their sizes.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "PeakMemory.h"
#include "TestSupport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <set>

namespace fs = std::filesystem;
using namespace oodlens;
using oodlens::test::contains;
using oodlens::test::writeBytes;
using oodlens::test::writeText;

namespace {

std::vector<std::uint8_t> encode(const std::string& ext, const cv::Mat& m)
{
    std::vector<std::uint8_t> buf;
    EXPECT_TRUE(cv::imencode(ext, m, buf)) << ext;
    return buf;
}

cv::Mat noise(int rows, int cols, int type, int seed)
{
    cv::Mat m(rows, cols, type);
    cv::theRNG().state = static_cast<std::uint64_t>(seed);
    cv::randu(m, 0, 255);
    return m;
}

template <typename F> std::string errorOf(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error thrown>";
}

// Runs `f` on another thread; a call that blocks (a FIFO opened for reading) ends the whole test
// program with a message instead of hanging ctest until its timeout.
template <typename F> void withinSeconds(int seconds, const char* what, F&& f)
{
    auto done = std::async(std::launch::async, std::forward<F>(f));
    if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
        std::cerr << "FAILED: " << what << " still blocks after " << seconds << " s\n";
        std::_Exit(1);
    }
    done.get();
}

using oodlens::test::peakGrowthKb;

void setMtime(const fs::path& p, long seconds)
{
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), times, 0), 0) << p;
}

class BadInputs : public ::testing::Test {
protected:
    oodlens::test::TempDir tmp_;
    fs::path dir(const std::string& name) const
    {
        const fs::path p = fs::path(tmp_.path()) / name;
        fs::create_directories(p);
        return p;
    }
};

} // namespace

// --- Defect 2: the cache key identifies the data ------------------------------------------------

// Two folders with the same layout, the same file sizes and mtimes but other pixels: before, both
// hashed the same (relative path, size, mtime, label) lists and shared a cache entry.
TEST_F(BadInputs, fingerprintTellsApartFoldersOfTheSameLayoutSizesAndMtimes)
{
    std::vector<std::string> prints;
    for (int set = 0; set < 2; ++set) {
        const fs::path root = dir("set" + std::to_string(set));
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 2; ++i) {
                const fs::path file = root / ("class" + std::to_string(c)) / ("img" + std::to_string(i) + ".bmp");
                // BMP: the size depends only on the dimensions, so both sets have the same sizes.
                writeBytes(file, encode(".bmp", noise(8, 8, CV_8UC3, 100 * set + 10 * c + i)));
                setMtime(file, 1600000000);
            }
        writeText(root / "list.csv", "class0/img0.bmp,0\nclass1/img1.bmp,1\n");
        setMtime(root / "list.csv", 1600000000);
        prints.push_back(openDataset(root.string())->fingerprint());
        prints.push_back(openDataset((root / "list.csv").string())->fingerprint());
    }
    EXPECT_EQ(fs::file_size(dir("set0") / "class0" / "img0.bmp"), fs::file_size(dir("set1") / "class0" / "img0.bmp"));
    EXPECT_NE(prints[0], prints[2]) << "two ImageFolders of the same layout, sizes and mtimes";
    EXPECT_NE(prints[1], prints[3]) << "two CSV lists of the same text, sizes and mtimes";

    // A copy with the same mtimes (cp -a) is other data too: its files are other files.
    const fs::path copy = fs::path(tmp_.path()) / "copy";
    fs::copy(dir("set0"), copy, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(copy))
        if (e.is_regular_file())
            setMtime(e.path(), 1600000000);
    EXPECT_NE(openDataset(copy.string())->fingerprint(), prints[0]);
    // The same folder spelled another way is the same data.
    const fs::path alias = fs::path(tmp_.path()) / "alias";
    fs::create_directory_symlink(dir("set0"), alias);
    EXPECT_EQ(openDataset(alias.string())->fingerprint(), prints[0]);
    EXPECT_EQ(openDataset((dir("set0") / "class0" / "..").string())->fingerprint(), prints[0]);
}

// --- Defect 3: sizes from the header, before decoding -------------------------------------------

// readImageHeader against OpenCV's own decoder, for every format the folder readers accept.
TEST_F(BadInputs, headerSizeAgreesWithTheDecoderForEveryFormat)
{
    const cv::Mat img = noise(23, 37, CV_8UC3, 7);
    for (const char* ext : {".png", ".jpg", ".bmp", ".tif", ".webp"}) {
        const std::vector<std::uint8_t> bytes = encode(ext, img);
        const ImageHeader h = readImageHeader(bytes.data(), bytes.size());
        const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        EXPECT_FALSE(h.format.empty()) << ext;
        EXPECT_TRUE(h.problem.empty()) << ext << ": " << h.problem;
        EXPECT_TRUE(h.complete) << ext;
        EXPECT_EQ(h.width, static_cast<std::uint64_t>(decoded.cols)) << ext;
        EXPECT_EQ(h.height, static_cast<std::uint64_t>(decoded.rows)) << ext;
    }
    // Lossless WebP (VP8L) and a progressive JPEG (several scans) too.
    for (const auto& [ext, params] : std::vector<std::pair<std::string, std::vector<int>>>{
             {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}}, {".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}}}) {
        std::vector<std::uint8_t> bytes;
        ASSERT_TRUE(cv::imencode(ext, img, bytes, params));
        const ImageHeader h = readImageHeader(bytes.data(), bytes.size());
        EXPECT_EQ(h.width, 37u) << ext;
        EXPECT_EQ(h.height, 23u) << ext;
        EXPECT_TRUE(h.complete) << ext;
    }
}

// The 1,765-byte JPEG whose header claims 30,000 x 30,000 pixels: decoded before (7.9 GB,
// 48 s), refused from its header now, in no time and no memory.
TEST_F(BadInputs, jpegClaimingThirtyThousandSquaredIsRefusedFromItsHeader)
{
    std::vector<std::uint8_t> small = encode(".jpg", noise(16, 16, CV_8UC3, 3));
    // Patch the frame header's height and width.
    bool patched = false;
    for (std::size_t i = 2; i + 9 < small.size() && !patched; ++i)
        if (small[i] == 0xFF && small[i + 1] == 0xC0) {
            small[i + 5] = 30000 >> 8;
            small[i + 6] = 30000 & 0xFF;
            small[i + 7] = 30000 >> 8;
            small[i + 8] = 30000 & 0xFF;
            patched = true;
        }
    ASSERT_TRUE(patched);
    small.resize(std::min<std::size_t>(small.size(), 1765));
    const fs::path file = dir("bomb") / "bomb.jpg";
    writeBytes(file, small);
    std::string message;
    const auto start = std::chrono::steady_clock::now();
    const long growth = peakGrowthKb([&] { message = errorOf([&] { decodeImageFile(file.string()); }); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(contains(message, file.string()) && contains(message, "30000 x 30000") &&
                contains(message, "--max-pixels"))
        << message;
    EXPECT_LT(seconds, 2.0);
    if (growth >= 0) {
        EXPECT_LT(growth, 50 * 1024) << "kB of peak memory";
    }
}

// The bound is the caller's: a 100 x 100 image passes 10,000 and fails 9,999; a folder still reads
// its other images.
TEST_F(BadInputs, pixelBoundIsTheCallersAndSkipsOnlyTheLargeImage)
{
    const fs::path root = dir("limit");
    writeBytes(root / "big.png", encode(".png", noise(100, 100, CV_8UC1, 1)));
    writeBytes(root / "small.png", encode(".png", noise(10, 10, CV_8UC1, 2)));
    EXPECT_EQ(decodeImageFile((root / "big.png").string(), 10000).width, 100);
    const std::string message = errorOf([&] { decodeImageFile((root / "big.png").string(), 9999); });
    EXPECT_TRUE(contains(message, "big.png") && contains(message, "100 x 100 = 10000 pixels, more than the limit of 9999"))
        << message;
    DatasetOptions options;
    options.maxPixels = 9999;
    const auto ds = openDataset(root.string(), options);
    ASSERT_EQ(ds->size(), 2u);
    EXPECT_TRUE(contains(errorOf([&] { ds->image(0); }), "more than the limit"));
    EXPECT_EQ(ds->image(1).width, 10);
    // The bound is part of the fingerprint: a run with another bound skips other items.
    EXPECT_NE(ds->fingerprint(), openDataset(root.string())->fingerprint());
    // IDX images larger than the bound refuse the file, before its body is read.
    writeIdx((root / "big-images-idx3-ubyte").string(), {1, 100, 100}, std::vector<std::uint8_t>(10000, 7));
    EXPECT_TRUE(contains(errorOf([&] { openDataset((root / "big-images-idx3-ubyte").string(), options); }),
                         "more than the limit"));
}

// --- Defect 9: truncated images are not scored ---------------------------------------------------

TEST_F(BadInputs, truncatedJpegAndPngAreRefusedNamingTheFile)
{
    const fs::path root = dir("truncated");
    const std::vector<std::uint8_t> jpeg = encode(".jpg", noise(64, 64, CV_8UC3, 5));
    const std::vector<std::uint8_t> png = encode(".png", noise(64, 64, CV_8UC3, 6));
    writeBytes(root / "half.jpg", {jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2)});
    writeBytes(root / "half.png", {png.begin(), png.begin() + static_cast<long>(png.size() / 2)});
    // A JPEG with bytes after its end-of-image marker (some cameras append data) is complete.
    std::vector<std::uint8_t> trailing = jpeg;
    trailing.insert(trailing.end(), {1, 2, 3, 4});
    writeBytes(root / "trailing.jpg", trailing);
    writeBytes(root / "whole.jpg", jpeg);

    // OpenCV alone decodes the half JPEG (libjpeg pads it with grey and only warns): that was the bug.
    EXPECT_FALSE(cv::imread((root / "half.jpg").string()).empty());
    const std::string j = errorOf([&] { decodeImageFile((root / "half.jpg").string()); });
    EXPECT_TRUE(contains(j, "half.jpg") && contains(j, "truncated JPEG")) << j;
    const std::string p = errorOf([&] { decodeImageFile((root / "half.png").string()); });
    EXPECT_TRUE(contains(p, "half.png") && contains(p, "truncated PNG")) << p;
    EXPECT_EQ(decodeImageFile((root / "trailing.jpg").string()).width, 64);
    EXPECT_EQ(decodeImageFile((root / "whole.jpg").string()).width, 64);
}

// --- Defect 5: files that would block or never end ----------------------------------------------

TEST_F(BadInputs, fifosAndDevicesAreRefusedWithoutBlocking)
{
    const fs::path root = dir("fifo");
    writeBytes(root / "ok.png", encode(".png", noise(8, 8, CV_8UC1, 1)));
    ASSERT_EQ(mkfifo((root / "pipe.png").c_str(), 0600), 0);
    writeText(root / "list.csv", "ok.png,1\npipe.png,2\n");
    ASSERT_EQ(mkfifo((root / "pipe.csv").c_str(), 0600), 0);
    ASSERT_EQ(mkfifo((root / "pipe-images-idx3-ubyte").c_str(), 0600), 0);

    withinSeconds(10, "a FIFO listed in a CSV", [&] {
        const auto ds = openDataset((root / "list.csv").string());
        ASSERT_EQ(ds->size(), 2u);
        EXPECT_EQ(ds->image(0).width, 8);
        const std::string m = errorOf([&] { ds->image(1); });
        EXPECT_TRUE(contains(m, "pipe.png") && contains(m, "not a regular file") && contains(m, "FIFO")) << m;
        (void)ds->fingerprint();
    });
    withinSeconds(10, "a FIFO as a CSV list", [&] {
        EXPECT_TRUE(contains(errorOf([&] { openDataset((root / "pipe.csv").string()); }), "pipe.csv"));
    });
    withinSeconds(10, "a FIFO as an IDX file", [&] {
        EXPECT_TRUE(contains(errorOf([&] { readIdx((root / "pipe-images-idx3-ubyte").string()); }),
                             "not a regular file"));
    });
    withinSeconds(10, "/dev/zero as an image", [&] {
        const std::string m = errorOf([&] { decodeImageFile("/dev/zero"); });
        EXPECT_TRUE(contains(m, "/dev/zero") && contains(m, "character device")) << m;
    });
    // The folder reader never lists the FIFO (it is no regular file), and does not block on it.
    withinSeconds(10, "a folder holding a FIFO", [&] { EXPECT_EQ(openDataset(root.string())->size(), 1u); });
}

// A class folder whose levels each link the previous level twice: 131,071 paths at depth 16 for
// 17 real files. Each real folder is read once and each real file counts once per class.
TEST_F(BadInputs, symlinkDagCountsEachRealFileOncePerClass)
{
    const fs::path levels = dir("levels");
    constexpr int kDepth = 16;
    for (int k = 0; k <= kDepth; ++k) {
        const fs::path level = levels / ("l" + std::to_string(k));
        writeBytes(level / "img.bmp", encode(".bmp", noise(2, 2, CV_8UC1, k)));
        if (k > 0) {
            fs::create_directory_symlink(levels / ("l" + std::to_string(k - 1)), level / "a");
            fs::create_directory_symlink(levels / ("l" + std::to_string(k - 1)), level / "b");
        }
    }
    const fs::path root = dir("dag");
    fs::create_directory_symlink(levels / ("l" + std::to_string(kDepth)), root / "cls");
    // A second class reaches the same files: they count in it too (once per class).
    fs::create_directory_symlink(levels / "l1", root / "other");
    // A cycle back to the root adds nothing.
    fs::create_directory_symlink(root, levels / "l0" / "loop");

    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<Dataset> ds;
    withinSeconds(60, "a symbolic-link DAG", [&] { ds = openDataset(root.string()); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(ds->kind(), "imagefolder");
    EXPECT_EQ(ds->size(), std::size_t(kDepth + 1 + 2)); // 17 in "cls", 2 in "other"
    std::set<std::string> real;
    for (std::size_t i = 0; i < ds->size(); ++i)
        if (ds->label(i) == 0)
            real.insert(fs::canonical(ds->itemPath(i)).string());
    EXPECT_EQ(real.size(), std::size_t(kDepth + 1));
    EXPECT_LT(seconds, 5.0);
    bool warned = false;
    for (const std::string& w : ds->warnings())
        warned = warned || (contains(w, "not read again") && contains(w, root.string()));
    EXPECT_TRUE(warned);
}

// --- Defect 9: layouts and CSV lines that surprised --------------------------------------------

TEST_F(BadInputs, imagesBesideClassFoldersAreNamedNotDroppedSilently)
{
    const fs::path root = dir("mixed");
    writeBytes(root / "a.png", encode(".png", noise(4, 4, CV_8UC1, 1)));
    writeBytes(root / "b.png", encode(".png", noise(4, 4, CV_8UC1, 2)));
    writeBytes(root / "thumbs" / "c.png", encode(".png", noise(4, 4, CV_8UC1, 3)));
    const auto ds = openDataset(root.string());
    ASSERT_EQ(ds->kind(), "imagefolder");
    ASSERT_EQ(ds->warnings().size(), 1u);
    const std::string w = ds->warnings()[0];
    EXPECT_TRUE(contains(w, root.string()) && contains(w, "2 image files directly in it") && contains(w, "'a.png'") &&
                contains(w, "ignored"))
        << w;
    // A plain ImageFolder hears nothing.
    fs::remove(root / "a.png");
    fs::remove(root / "b.png");
    EXPECT_TRUE(openDataset(root.string())->warnings().empty());
}

TEST_F(BadInputs, csvFirstLineIsAHeaderOnlyWhenItNamesThePathColumn)
{
    const fs::path root = dir("csvheader");
    writeBytes(root / "a.png", encode(".png", noise(4, 4, CV_8UC1, 1)));
    writeBytes(root / "b.png", encode(".png", noise(4, 4, CV_8UC1, 2)));
    // Before, "a.png,cat" was taken for a header and a.png silently dropped.
    writeText(root / "typo.csv", "a.png,cat\nb.png,1\n");
    const std::string m = errorOf([&] { openDataset((root / "typo.csv").string()); });
    EXPECT_TRUE(contains(m, "typo.csv") && contains(m, "line 1") && contains(m, "'cat' is not an integer")) << m;
    for (const char* header : {"path,label", "Path,Label", "file,label", "filename,class", "image,target"}) {
        writeText(root / "ok.csv", std::string(header) + "\na.png,0\nb.png,1\n");
        const auto ds = openDataset((root / "ok.csv").string());
        EXPECT_EQ(ds->size(), 2u) << header;
    }
    writeText(root / "plain.csv", "a.png,0\nb.png,1\n");
    EXPECT_EQ(openDataset((root / "plain.csv").string())->size(), 2u);
}

// --- Defect 3: IDX gzip streams whose sizes are forged ------------------------------------------

namespace {

std::vector<std::uint8_t> gzipOf(const std::vector<std::uint8_t>& raw)
{
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::vector<std::uint8_t> out(deflateBound(&z, raw.size()) + 64);
    z.next_in = const_cast<Bytef*>(raw.data());
    z.avail_in = static_cast<uInt>(raw.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::vector<std::uint8_t> idxHeader(std::uint32_t n, std::uint32_t h, std::uint32_t w)
{
    std::vector<std::uint8_t> b = {0, 0, 8, 3};
    for (std::uint32_t d : {n, h, w})
        for (int s = 24; s >= 0; s -= 8)
            b.push_back(static_cast<std::uint8_t>(d >> s));
    return b;
}

void forgeTrailer(std::vector<std::uint8_t>& gz, std::uint64_t size)
{
    for (int k = 0; k < 4; ++k)
        gz[gz.size() - 4 + k] = static_cast<std::uint8_t>(size >> (8 * k));
}

} // namespace

// The 8 KB .gz whose header and trailer both claim 3.6 GB: zero-filled 3.6 GB before it was
// refused. Deflate cannot reach that ratio, so it is refused before anything is allocated.
TEST_F(BadInputs, idxGzipWithAForgedTrailerIsRefusedBeforeAllocating)
{
    const std::uint32_t n = 60000, side = 245; // 3,601,500,000 bytes of images
    std::vector<std::uint8_t> raw = idxHeader(n, side, side);
    // 8 MB of zeros: about 8 KB of stream, enough that reading the header does not reach its end.
    raw.resize(raw.size() + (8u << 20), 0);
    std::vector<std::uint8_t> gz = gzipOf(raw);
    EXPECT_LT(gz.size(), 10000u);
    forgeTrailer(gz, 16 + std::uint64_t(n) * side * side);
    const fs::path file = dir("forged") / "forged-images-idx3-ubyte.gz";
    writeBytes(file, gz);
    std::string message;
    const long growth = peakGrowthKb([&] { message = errorOf([&] { readIdx(file.string()); }); });
    EXPECT_TRUE(contains(message, file.string()) && contains(message, "gzip stream can hold"))
        << message;
    if (growth >= 0) {
        EXPECT_LT(growth, 50 * 1024) << "kB of peak memory";
    }
}

// A claim deflate could reach (2 MB of stream, 100 MB claimed) but that the stream does not hold:
// memory follows the bytes that really inflate, not the claim.
TEST_F(BadInputs, idxGzipMemoryFollowsTheInflatedBytesNotTheClaim)
{
    const std::uint32_t n = 2500, side = 200; // 100,000,000 bytes claimed
    std::vector<std::uint8_t> raw = idxHeader(n, side, side);
    std::uint64_t x = 88172645463325252ull;
    for (std::size_t i = 0; i < (2u << 20); ++i) { // incompressible: xorshift
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        raw.push_back(static_cast<std::uint8_t>(x));
    }
    std::vector<std::uint8_t> gz = gzipOf(raw);
    forgeTrailer(gz, 16 + std::uint64_t(n) * side * side);
    const fs::path file = dir("short") / "short-images-idx3-ubyte.gz";
    writeBytes(file, gz);
    std::string message;
    const long growth = peakGrowthKb([&] { message = errorOf([&] { readIdx(file.string()); }); });
    EXPECT_TRUE(contains(message, file.string()) && (contains(message, "truncated") || contains(message, "corrupt gzip")))
        << message;
    if (growth >= 0) {
        EXPECT_LT(growth, 40 * 1024) << "kB of peak memory (the claim is 97,656 kB)";
    }
}
