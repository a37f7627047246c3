// SPDX-License-Identifier: GPL-3.0-or-later
// Dataset kinds behind openDataset(): detection, ImageFolder / flat folder / CSV / CIFAR / IDX
// reading, image decoding, and oodlens-cli end to end on an ImageFolder of PNGs.
#include "common/Error.h"
#include "datasets/Dataset.h"
#include "datasets/Idx.h"
#include "datasets/ImageDecode.h"

// OpenCV only writes the fixture images.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "RunProcess.h"
#include "TestSupport.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using namespace oodlens;
using oodlens::test::contains;
using oodlens::test::writeBytes;
using oodlens::test::writeText;
using oodlens::test::endsWith;
using oodlens::test::startsWith;

namespace {

std::vector<std::uint8_t> readBytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes `mat` (OpenCV channel order: BGR / BGRA) with cv::imwrite; fails the test when it cannot.
bool writeImage(const fs::path& path, const cv::Mat& mat, const std::vector<int>& params = {})
{
    fs::create_directories(path.parent_path());
    return cv::imwrite(path.string(), mat, params);
}

// A small gray image whose pixels encode `seed`, so that items can be told apart after decoding.
cv::Mat grayTile(int seed, int rows = 4, int cols = 5)
{
    cv::Mat m(rows, cols, CV_8UC1);
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x)
            m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(seed * 10 + y * cols + x);
    return m;
}

// Runs `f` and returns the Error message it throws; fails the test when nothing is thrown.
template <typename F> std::string errorOf(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "<no error thrown>";
}

// One synthetic CIFAR record: label byte(s), then R, G, B planes with known values.
std::vector<std::uint8_t> cifarRecord(const std::vector<std::uint8_t>& labels, int seed)
{
    std::vector<std::uint8_t> r = labels;
    for (int c = 0; c < 3; ++c)
        for (int p = 0; p < 1024; ++p)
            r.push_back(static_cast<std::uint8_t>((seed * 31 + c * 85 + p * 7) & 0xff));
    return r;
}

std::uint8_t cifarPixel(int seed, int c, int y, int x)
{
    return static_cast<std::uint8_t>((seed * 31 + c * 85 + (y * 32 + x) * 7) & 0xff);
}

std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts)
{
    std::vector<std::uint8_t> out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::vector<std::uint8_t> pngBytes(const cv::Mat& m)
{
    std::vector<std::uint8_t> buf;
    cv::imencode(".png", m, buf);
    return buf;
}

oodlens::test::ProcessResult runCli(const std::vector<std::string>& args, const std::string& cacheDir)
{
    // A fresh cache: the extraction really runs.
    return oodlens::test::runProcess(OODLENS_CLI, args, {{"OODLENS_CACHE_DIR", cacheDir}});
}

} // namespace

// One temporary folder for the whole suite (the constructor throws when it cannot be made).
class Datasets : public ::testing::Test {
protected:
    static fs::path dir(const char* name)
    {
        static const oodlens::test::TempDir tmp;
        return fs::path(tmp.path()) / name;
    }
};

// --- detection --------------------------------------------------------------------------

TEST_F(Datasets, detectsEveryKind)
{
    const fs::path root = dir("kinds");
    ASSERT_TRUE(writeImage(root / "tree" / "cat" / "a.png", grayTile(1)));
    ASSERT_TRUE(writeImage(root / "flat" / "a.png", grayTile(1)));
    writeText(root / "list.csv", "flat/a.png,0\n");
    writeIdx((root / "digits-images-idx3-ubyte").string(), {2, 2, 2}, std::vector<std::uint8_t>(8, 1));
    writeIdx((root / "plain.dat").string(), {1, 2, 2}, std::vector<std::uint8_t>(4, 1)); // IDX by content
    writeBytes(root / "c10" / "test_batch.bin", cifarRecord({3}, 0));
    writeBytes(root / "data_batch_1.bin", cifarRecord({3}, 0));
    writeBytes(root / "c100" / "test.bin", cifarRecord({1, 42}, 0));

    ASSERT_EQ(openDataset((root / "tree").string())->kind(), std::string("imagefolder"));
    ASSERT_EQ(openDataset((root / "flat").string())->kind(), std::string("folder"));
    ASSERT_EQ(openDataset((root / "list.csv").string())->kind(), std::string("csv"));
    ASSERT_EQ(openDataset((root / "digits-images-idx3-ubyte").string())->kind(), std::string("idx"));
    ASSERT_EQ(openDataset((root / "plain.dat").string())->kind(), std::string("idx"));
    ASSERT_EQ(openDataset((root / "c10").string())->kind(), std::string("cifar10"));
    ASSERT_EQ(openDataset((root / "data_batch_1.bin").string())->kind(), std::string("cifar10"));
    ASSERT_EQ(openDataset((root / "c100").string())->kind(), std::string("cifar100"));
    ASSERT_EQ(openDataset((root / "c100" / "test.bin").string())->kind(), std::string("cifar100"));
    // A trailing slash on a folder changes nothing.
    ASSERT_EQ(openDataset((root / "tree").string() + "/")->kind(), std::string("imagefolder"));
}

TEST_F(Datasets, refusesUnrecognisedPathsByName)
{
    const fs::path root = dir("unrecognised");
    writeText(root / "notes.txt", "hello");
    std::string msg = errorOf([&] { openDataset((root / "notes.txt").string()); });
    ASSERT_TRUE(contains(msg, "notes.txt") && contains(msg, "unrecognised")) << msg;

    ASSERT_TRUE(writeImage(root / "one.png", grayTile(1)));
    msg = errorOf([&] { openDataset((root / "one.png").string()); });
    ASSERT_TRUE(contains(msg, "one.png") && contains(msg, "single image")) << msg;

    msg = errorOf([&] { openDataset((root / "missing").string()); });
    ASSERT_TRUE(contains(msg, "missing") && contains(msg, "does not exist")) << msg;
}

TEST_F(Datasets, refusesFoldersWithoutImages)
{
    const fs::path empty = dir("empty");
    fs::create_directories(empty);
    std::string msg = errorOf([&] { openDataset(empty.string()); });
    ASSERT_TRUE(contains(msg, empty.string()) && contains(msg, "no image")) << msg;

    // Non-image files and empty class folders do not count.
    const fs::path junk = dir("junk");
    writeText(junk / "notes.txt", "x");
    writeText(junk / "a" / "readme.md", "x");
    fs::create_directories(junk / "b");
    msg = errorOf([&] { openDataset(junk.string()); });
    ASSERT_TRUE(contains(msg, junk.string()) && contains(msg, "no image")) << msg;
}

// --- ImageFolder and flat folders --------------------------------------------------------

TEST_F(Datasets, imageFolderClassesAreSortedBytewise)
{
    const fs::path root = dir("tree");
    // Byte-wise order: "10" < "9" < "B" < "a" < "b" (digits, then upper case, then lower case).
    const std::vector<std::string> classes = {"b", "a", "B", "10", "9"};
    int seed = 0;
    for (const std::string& c : classes)
        ASSERT_TRUE(writeImage(root / c / "img.png", grayTile(++seed)));
    ASSERT_TRUE(writeImage(root / "root-file.png", grayTile(9))); // ignored: class subfolders exist
    writeText(root / "notes.txt", "x");
    writeText(root / "a" / "notes.txt", "x");                           // not an image
    ASSERT_TRUE(writeImage(root / "a" / ".hidden.png", grayTile(9)));   // hidden
    ASSERT_TRUE(writeImage(root / "a" / "z.PNG", grayTile(7)));         // extension in any case
    ASSERT_TRUE(writeImage(root / "a" / "sub" / "b.png", grayTile(8))); // recursive
    ASSERT_TRUE(writeImage(root / "a" / "c.jpg", grayTile(6)));
    fs::create_directories(root / "c-empty"); // an empty class keeps its place

    const auto ds = openDataset(root.string());
    ASSERT_EQ(ds->classNames(), (std::vector<std::string>{"10", "9", "B", "a", "b", "c-empty"}));
    std::vector<std::string> rel;
    std::vector<int> labels;
    for (std::size_t i = 0; i < ds->size(); ++i) {
        rel.push_back(fs::path(ds->itemPath(i)).lexically_relative(root).generic_string());
        labels.push_back(ds->label(i));
    }
    // Within a class: files of a folder before those of its subfolders, by name (torchvision's
    // sorted(os.walk())).
    ASSERT_EQ(rel, (std::vector<std::string>{"10/img.png", "9/img.png", "B/img.png", "a/c.jpg", "a/img.png", "a/z.PNG",
                                             "a/sub/b.png", "b/img.png"}));
    ASSERT_EQ(labels, (std::vector<int>{0, 1, 2, 3, 3, 3, 3, 4}));
    // The item is the file it names.
    const ImageU8 img = ds->image(1);
    ASSERT_EQ(img.channels, 1);
    ASSERT_EQ(img.at(0, 0, 0), std::uint8_t(5 * 10)); // class "9" got seed 5
    ASSERT_EQ(ds->source(), root.string());
}

TEST_F(Datasets, imageFolderFollowsSymbolicLinksWithoutLooping)
{
    const fs::path root = dir("links");
    const fs::path outside = dir("links-target");
    ASSERT_TRUE(writeImage(root / "cls" / "a.png", grayTile(1)));
    ASSERT_TRUE(writeImage(outside / "b.png", grayTile(2)));
    fs::create_directory_symlink(outside, root / "cls" / "linked");    // followed
    fs::create_directory_symlink(root / "cls", root / "cls" / "loop"); // a cycle: not followed
    fs::create_directory_symlink(outside, root / "other");             // a linked class folder
    const auto ds = openDataset(root.string());
    ASSERT_EQ(ds->classNames(), (std::vector<std::string>{"cls", "other"}));
    std::vector<std::string> rel;
    for (std::size_t i = 0; i < ds->size(); ++i)
        rel.push_back(fs::path(ds->itemPath(i)).lexically_relative(root).generic_string());
    ASSERT_EQ(rel, (std::vector<std::string>{"cls/a.png", "cls/linked/b.png", "other/b.png"}));
    ASSERT_EQ(ds->label(2), 1);
}

TEST_F(Datasets, flatFolderIsUnlabelledAndSorted)
{
    const fs::path root = dir("flat");
    ASSERT_TRUE(writeImage(root / "b.png", grayTile(2)));
    ASSERT_TRUE(writeImage(root / "a.bmp", grayTile(1)));
    ASSERT_TRUE(writeImage(root / "C.tif", grayTile(3)));
    writeText(root / "notes.txt", "x");
    fs::create_directories(root / "empty-sub");
    const auto ds = openDataset(root.string());
    ASSERT_EQ(ds->kind(), std::string("folder"));
    ASSERT_EQ(ds->size(), std::size_t(3));
    ASSERT_TRUE(ds->classNames().empty());
    ASSERT_EQ(fs::path(ds->itemPath(0)).filename().string(), std::string("C.tif"));
    ASSERT_EQ(fs::path(ds->itemPath(1)).filename().string(), std::string("a.bmp"));
    ASSERT_EQ(fs::path(ds->itemPath(2)).filename().string(), std::string("b.png"));
    for (std::size_t i = 0; i < ds->size(); ++i)
        ASSERT_EQ(ds->label(i), -1);
    ASSERT_EQ(ds->image(1).at(0, 1, 0), std::uint8_t(11));
}

TEST_F(Datasets, folderFingerprintIsCheapAndTracksChanges)
{
    const fs::path root = dir("fp");
    ASSERT_TRUE(writeImage(root / "x" / "a.png", grayTile(1)));
    ASSERT_TRUE(writeImage(root / "y" / "b.png", grayTile(2)));
    const std::string first = openDataset(root.string())->fingerprint();
    ASSERT_TRUE(first.rfind("imagefolder:", 0) == 0);
    ASSERT_EQ(openDataset(root.string())->fingerprint(), first);
    ASSERT_EQ(openDataset(root.string() + "/")->fingerprint(), first);
    // A moved folder is other data as far as the cache knows: the fingerprint holds where the set is
    // (two folders of the same layout, sizes and mtimes must never share a cache entry).
    const fs::path moved = dir("fp-moved");
    fs::rename(root, moved);
    const std::string afterMove = openDataset(moved.string())->fingerprint();
    ASSERT_NE(afterMove, first);
    ASSERT_EQ(openDataset(moved.string() + "/.")->fingerprint(), afterMove);
    // A changed file changes it.
    ASSERT_TRUE(writeImage(moved / "y" / "b.png", grayTile(2, 6, 6)));
    ASSERT_TRUE(openDataset(moved.string())->fingerprint() != afterMove);
}

// --- CSV ----------------------------------------------------------------------------------

TEST_F(Datasets, csvResolvesPathsAndReadsLabels)
{
    const fs::path root = dir("csv");
    ASSERT_TRUE(writeImage(root / "img" / "a.png", grayTile(1)));
    ASSERT_TRUE(writeImage(root / "img" / "b,c.png", grayTile(2)));
    ASSERT_TRUE(writeImage(root / "img" / "q\"uote.png", grayTile(3)));
    ASSERT_TRUE(writeImage(dir("elsewhere") / "abs.png", grayTile(4)));
    const std::string abs = (dir("elsewhere") / "abs.png").string();
    writeText(root / "list.csv", "\xEF\xBB\xBFpath,label\r\n"
                                 "img/a.png,3\r\n"
                                 "\r\n"
                                 "\"img/b,c.png\", 5\r\n"
                                 "  \"img/q\"\"uote.png\"  ,\r\n" +
                                     abs +
                                     "\n"
                                     "./img/a.png,-1,extra column\n");
    const auto ds = openDataset((root / "list.csv").string());
    ASSERT_EQ(ds->size(), std::size_t(5));
    ASSERT_EQ(ds->itemPath(0), (root / "img" / "a.png").string());
    ASSERT_EQ(ds->itemPath(1), (root / "img" / "b,c.png").string());
    ASSERT_EQ(ds->itemPath(2), (root / "img" / "q\"uote.png").string());
    ASSERT_EQ(ds->itemPath(3), abs);
    ASSERT_EQ(ds->itemPath(4), (root / "img" / "a.png").string());
    ASSERT_EQ(ds->label(0), 3);
    ASSERT_EQ(ds->label(1), 5);
    ASSERT_EQ(ds->label(2), -1);
    ASSERT_EQ(ds->label(3), -1);
    ASSERT_EQ(ds->label(4), -1);
    ASSERT_EQ(ds->image(1).at(0, 0, 0), std::uint8_t(20));
    ASSERT_EQ(ds->image(3).at(0, 0, 0), std::uint8_t(40));
    ASSERT_TRUE(ds->fingerprint().rfind("csv:", 0) == 0);
}

TEST_F(Datasets, csvHeaderDetection)
{
    const fs::path root = dir("csvhead");
    ASSERT_TRUE(writeImage(root / "a.png", grayTile(1)));
    ASSERT_TRUE(writeImage(root / "b.png", grayTile(2)));
    // A header is recognised by a second field that is not an integer...
    writeText(root / "named.csv", "file,class\na.png,1\nb.png,2\n");
    auto ds = openDataset((root / "named.csv").string());
    ASSERT_EQ(ds->size(), std::size_t(2));
    ASSERT_EQ(ds->label(0), 1);
    // ... or by a first field "path", also without a label column.
    writeText(root / "single.csv", "Path\na.png\nb.png\n");
    ds = openDataset((root / "single.csv").string());
    ASSERT_EQ(ds->size(), std::size_t(2));
    ASSERT_EQ(ds->label(1), -1);
    // No header: the first line is data.
    writeText(root / "plain.csv", "a.png,0\nb.png,1");
    ds = openDataset((root / "plain.csv").string());
    ASSERT_EQ(ds->size(), std::size_t(2));
    ASSERT_EQ(ds->label(0), 0);
    ASSERT_EQ(ds->itemPath(1), (root / "b.png").string());
}

TEST_F(Datasets, csvLabelChangesTheFingerprint)
{
    const fs::path root = dir("csvfp");
    ASSERT_TRUE(writeImage(root / "a.png", grayTile(1)));
    writeText(root / "l.csv", "a.png,1\n");
    const std::string one = openDataset((root / "l.csv").string())->fingerprint();
    writeText(root / "l.csv", "a.png,2\n");
    ASSERT_TRUE(openDataset((root / "l.csv").string())->fingerprint() != one);
}

TEST_F(Datasets, csvErrorsNameTheFileAndLine)
{
    const fs::path root = dir("csvbad");
    writeText(root / "label.csv", "a.png,1\nb.png,1\nc.png,cat\n");
    std::string msg = errorOf([&] { openDataset((root / "label.csv").string()); });
    ASSERT_TRUE(contains(msg, "label.csv") && contains(msg, "line 3") && contains(msg, "'cat'")) << msg;
    writeText(root / "quote.csv", "a.png,1\n\"b.png,2\n");
    msg = errorOf([&] { openDataset((root / "quote.csv").string()); });
    ASSERT_TRUE(contains(msg, "quote.csv") && contains(msg, "line 2") && contains(msg, "unterminated")) << msg;
    writeText(root / "empty.csv", "path,label\n\n");
    msg = errorOf([&] { openDataset((root / "empty.csv").string()); });
    ASSERT_TRUE(contains(msg, "empty.csv") && contains(msg, "no image")) << msg;
    // A listed file that is missing is reported when read, naming it.
    writeText(root / "missing.csv", "gone.png,1\n");
    const auto ds = openDataset((root / "missing.csv").string());
    msg = errorOf([&] { ds->image(0); });
    ASSERT_TRUE(contains(msg, (root / "gone.png").string())) << msg;
}

// --- CIFAR --------------------------------------------------------------------------------

TEST_F(Datasets, cifar10RecordsBecomeInterleavedRgb)
{
    const fs::path file = dir("c10") / "data_batch_1.bin";
    writeBytes(file, concat({cifarRecord({6}, 0), cifarRecord({9}, 1), cifarRecord({0}, 2)}));
    const auto ds = openDataset(file.string());
    ASSERT_EQ(ds->kind(), std::string("cifar10"));
    ASSERT_EQ(ds->size(), std::size_t(3));
    ASSERT_EQ(ds->label(0), 6);
    ASSERT_EQ(ds->label(1), 9);
    ASSERT_EQ(ds->label(2), 0);
    ASSERT_EQ(ds->itemPath(2), file.string() + "#2");
    for (int seed : {0, 1, 2}) {
        const ImageU8 img = ds->image(static_cast<std::size_t>(seed));
        ASSERT_EQ(img.width, 32);
        ASSERT_EQ(img.height, 32);
        ASSERT_EQ(img.channels, 3);
        for (int y : {0, 5, 31})
            for (int x : {0, 17, 31})
                for (int c = 0; c < 3; ++c)
                    ASSERT_EQ(img.at(y, x, c), cifarPixel(seed, c, y, x));
    }
    // Byte layout spelled out once: pixel (0,1) of record 0 is R = byte 1 + 1, G = byte 1 + 1024 + 1, ...
    const std::vector<std::uint8_t> raw = readBytes(file);
    const ImageU8 img = ds->image(0);
    ASSERT_EQ(img.pixels[3], raw[1 + 1]);
    ASSERT_EQ(img.pixels[4], raw[1 + 1024 + 1]);
    ASSERT_EQ(img.pixels[5], raw[1 + 2048 + 1]);
}

TEST_F(Datasets, cifar100UsesTheFineLabel)
{
    const fs::path file = dir("c100") / "train.bin";
    writeBytes(file, concat({cifarRecord({3, 77}, 4), cifarRecord({19, 99}, 5)}));
    const auto ds = openDataset(file.string());
    ASSERT_EQ(ds->kind(), std::string("cifar100"));
    ASSERT_EQ(ds->size(), std::size_t(2));
    ASSERT_EQ(ds->label(0), 77);
    ASSERT_EQ(ds->label(1), 99);
    const ImageU8 img = ds->image(1);
    ASSERT_EQ(img.at(3, 4, 0), cifarPixel(5, 0, 3, 4));
    ASSERT_EQ(img.at(3, 4, 2), cifarPixel(5, 2, 3, 4));
}

TEST_F(Datasets, cifarFolderPicksTheTestSplitOrTheTrainingBatches)
{
    const fs::path root = dir("c10folder");
    writeBytes(root / "data_batch_2.bin", concat({cifarRecord({2}, 2), cifarRecord({2}, 3)}));
    writeBytes(root / "data_batch_10.bin", cifarRecord({7}, 7));
    writeBytes(root / "data_batch_1.bin", cifarRecord({1}, 1));
    std::string names;
    for (const char* n : {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"})
        names += std::string(n) + "\n";
    writeText(root / "batches.meta.txt", names + "\n");
    auto ds = openDataset(root.string());
    ASSERT_EQ(ds->size(), std::size_t(4));
    ASSERT_EQ(ds->label(0), 1);
    ASSERT_EQ(ds->label(1), 2);
    ASSERT_EQ(ds->label(3), 7); // data_batch_10 after data_batch_2
    ASSERT_EQ(ds->itemPath(2), (root / "data_batch_2.bin").string() + "#1");
    ASSERT_EQ(ds->image(2).at(0, 0, 1), cifarPixel(3, 1, 0, 0));
    ASSERT_EQ(ds->image(3).at(1, 2, 2), cifarPixel(7, 2, 1, 2));
    ASSERT_EQ(ds->classNames().size(), std::size_t(10));
    ASSERT_EQ(ds->classNames()[3], std::string("cat"));

    writeBytes(root / "test_batch.bin", cifarRecord({5}, 9));
    ds = openDataset(root.string());
    ASSERT_EQ(ds->size(), std::size_t(1));
    ASSERT_EQ(ds->label(0), 5);
}

TEST_F(Datasets, cifarSizeMustBeAMultipleOfTheRecord)
{
    const fs::path root = dir("c10bad");
    auto bytes = concat({cifarRecord({1}, 0), cifarRecord({2}, 1)});
    bytes.pop_back();
    writeBytes(root / "test_batch.bin", bytes);
    std::string msg = errorOf([&] { openDataset((root / "test_batch.bin").string()); });
    ASSERT_TRUE(contains(msg, "test_batch.bin") && contains(msg, "3073")) << msg;
    // CIFAR-100 records are one byte longer: a CIFAR-10 file named like CIFAR-100 is refused.
    writeBytes(root / "test.bin", concat({cifarRecord({1}, 0), cifarRecord({2}, 1)}));
    msg = errorOf([&] { openDataset((root / "test.bin").string()); });
    ASSERT_TRUE(contains(msg, "test.bin") && contains(msg, "3074")) << msg;
    // A huge (sparse) file is refused from its size alone, before anything is allocated or read.
    const fs::path huge = root / "huge" / "data_batch_1.bin";
    fs::create_directories(huge.parent_path());
    writeBytes(huge, {0});
    fs::resize_file(huge, 3073ull * 4000000ull + 1); // 12 GB, not a multiple
    msg = errorOf([&] { openDataset(huge.string()); });
    ASSERT_TRUE(contains(msg, "data_batch_1.bin") && contains(msg, "multiple")) << msg;
    // Labels outside the range say the file is not what its name claims.
    writeBytes(root / "labels" / "data_batch_1.bin", cifarRecord({10}, 0));
    msg = errorOf([&] { openDataset((root / "labels" / "data_batch_1.bin").string()); });
    ASSERT_TRUE(contains(msg, "data_batch_1.bin") && contains(msg, "label 10")) << msg;
    writeBytes(root / "empty" / "test_batch.bin", {});
    msg = errorOf([&] { openDataset((root / "empty" / "test_batch.bin").string()); });
    ASSERT_TRUE(contains(msg, "test_batch.bin") && contains(msg, "empty")) << msg;
}

TEST_F(Datasets, cifarFingerprintFollowsTheContent)
{
    const fs::path file = dir("c10fp") / "test_batch.bin";
    writeBytes(file, cifarRecord({1}, 0));
    const std::string one = openDataset(file.string())->fingerprint();
    ASSERT_TRUE(one.rfind("cifar10:", 0) == 0);
    ASSERT_EQ(openDataset(file.string())->fingerprint(), one);
    writeBytes(file, cifarRecord({1}, 1));
    ASSERT_TRUE(openDataset(file.string())->fingerprint() != one);
}

// --- image decoding -----------------------------------------------------------------------

TEST_F(Datasets, redStaysRedInEveryFormat)
{
    // Pure red in OpenCV's BGR order; it must come back as R = 255, G = 0, B = 0.
    const cv::Mat red(8, 12, CV_8UC3, cv::Scalar(0, 0, 255));
    const fs::path root = dir("red");
    struct Case {
        const char* name;
        std::vector<int> params;
        int tolerance;
    };
    const std::vector<Case> cases = {{"red.png", {}, 0},
                                     {"red.bmp", {}, 0},
                                     {"red.tiff", {}, 0},
                                     {"red.webp", {cv::IMWRITE_WEBP_QUALITY, 101}, 0}, // lossless
                                     {"red.jpg", {cv::IMWRITE_JPEG_QUALITY, 100}, 3}};
    for (const Case& c : cases) {
        ASSERT_TRUE(writeImage(root / c.name, red, c.params)) << c.name;
        const ImageU8 img = decodeImageFile((root / c.name).string());
        ASSERT_EQ(img.width, 12);
        ASSERT_EQ(img.height, 8);
        ASSERT_EQ(img.channels, 3);
        for (int y = 0; y < img.height; ++y)
            for (int x = 0; x < img.width; ++x) {
                ASSERT_TRUE(std::abs(int(img.at(y, x, 0)) - 255) <= c.tolerance) << c.name;
                ASSERT_TRUE(int(img.at(y, x, 1)) <= c.tolerance) << c.name;
                ASSERT_TRUE(int(img.at(y, x, 2)) <= c.tolerance) << c.name;
            }
    }
}

TEST_F(Datasets, sixteenBitIsScaledToEightBits)
{
    const fs::path root = dir("deep");
    cv::Mat gray(1, 6, CV_16UC1);
    const std::uint16_t values[6] = {0, 257, 1000, 32896, 65000, 65535};
    for (int x = 0; x < 6; ++x)
        gray.at<std::uint16_t>(0, x) = values[x];
    const std::uint8_t expected[6] = {0, 1, 4, 128, 253, 255}; // round(v / 257)
    for (const char* name : {"gray16.png", "gray16.tiff"}) {
        ASSERT_TRUE(writeImage(root / name, gray));
        const ImageU8 img = decodeImageFile((root / name).string());
        ASSERT_EQ(img.channels, 1);
        for (int x = 0; x < 6; ++x)
            ASSERT_EQ(img.at(0, x, 0), expected[x]);
    }
    // 16-bit colour: scaled and reordered (BGR -> RGB).
    cv::Mat color(1, 1, CV_16UC3, cv::Scalar(1000, 32896, 65535)); // B, G, R
    ASSERT_TRUE(writeImage(root / "rgb16.png", color));
    const ImageU8 img = decodeImageFile((root / "rgb16.png").string());
    ASSERT_EQ(img.channels, 3);
    ASSERT_EQ(img.at(0, 0, 0), std::uint8_t(255));
    ASSERT_EQ(img.at(0, 0, 1), std::uint8_t(128));
    ASSERT_EQ(img.at(0, 0, 2), std::uint8_t(4));
}

TEST_F(Datasets, alphaIsDroppedAndGrayStaysGray)
{
    const fs::path root = dir("alpha");
    ASSERT_TRUE(writeImage(root / "rgba.png", cv::Mat(3, 2, CV_8UC4, cv::Scalar(10, 20, 30, 0)))); // B G R A
    ImageU8 img = decodeImageFile((root / "rgba.png").string());
    ASSERT_EQ(img.channels, 3);
    ASSERT_EQ(img.pixels.size(), std::size_t(3 * 2 * 3));
    ASSERT_EQ(img.at(2, 1, 0), std::uint8_t(30));
    ASSERT_EQ(img.at(2, 1, 1), std::uint8_t(20));
    ASSERT_EQ(img.at(2, 1, 2), std::uint8_t(10));

    ASSERT_TRUE(writeImage(root / "rgba16.png", cv::Mat(1, 1, CV_16UC4, cv::Scalar(0, 65535, 257, 65535))));
    img = decodeImageFile((root / "rgba16.png").string());
    ASSERT_EQ(img.channels, 3);
    ASSERT_EQ(img.at(0, 0, 0), std::uint8_t(1));
    ASSERT_EQ(img.at(0, 0, 1), std::uint8_t(255));
    ASSERT_EQ(img.at(0, 0, 2), std::uint8_t(0));

    for (const char* name : {"gray.png", "gray.jpg", "gray.bmp", "gray.tif"}) {
        ASSERT_TRUE(writeImage(root / name, cv::Mat(4, 4, CV_8UC1, cv::Scalar(77))));
        img = decodeImageFile((root / name).string());
        ASSERT_TRUE(img.channels == 1) << name;
        ASSERT_TRUE(std::abs(int(img.at(3, 3, 0)) - 77) <= 1) << name;
    }
}

TEST_F(Datasets, largeImagesOfAnySizeDecode)
{
    const fs::path root = dir("sizes");
    cv::Mat m(300, 7, CV_8UC3);
    cv::randu(m, 0, 255);
    ASSERT_TRUE(writeImage(root / "tall.png", m));
    const ImageU8 img = decodeImageFile((root / "tall.png").string());
    ASSERT_EQ(img.height, 300);
    ASSERT_EQ(img.width, 7);
    const cv::Vec3b bgr = m.at<cv::Vec3b>(299, 6);
    ASSERT_EQ(img.at(299, 6, 0), bgr[2]);
    ASSERT_EQ(img.at(299, 6, 2), bgr[0]);
}

TEST_F(Datasets, brokenImagesAreReportedByName)
{
    const fs::path root = dir("broken");
    ASSERT_TRUE(writeImage(root / "ok.png", grayTile(1)));
    std::vector<std::uint8_t> noise(500);
    for (std::size_t i = 0; i < noise.size(); ++i)
        noise[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
    writeBytes(root / "noise.png", noise);
    cv::Mat big(64, 64, CV_8UC3);
    cv::randu(big, 0, 255);
    std::vector<std::uint8_t> png = pngBytes(big);
    png.resize(png.size() / 2);
    writeBytes(root / "truncated.png", png);
    writeBytes(root / "zero.png", {});

    const auto ds = openDataset(root.string()); // decoding is lazy: the folder opens
    ASSERT_EQ(ds->size(), std::size_t(4));
    std::map<std::string, std::string> errors;
    for (std::size_t i = 0; i < ds->size(); ++i)
        errors[fs::path(ds->itemPath(i)).filename().string()] = errorOf([&] { ds->image(i); });
    ASSERT_EQ(errors["ok.png"], std::string("<no error thrown>"));
    for (const char* name : {"noise.png", "truncated.png", "zero.png"}) {
        const std::string expected = "cannot read '" + (root / name).string() + "': ";
        ASSERT_TRUE(startsWith(errors[name], expected)) << errors[name];
        ASSERT_TRUE(contains(errors[name], std::string(name) == "truncated.png" ? "truncated PNG" : "not a decodable image"))
            << errors[name];
    }
    // A file that cannot be opened says why.
    const std::string msg = errorOf([&] { decodeImageFile((root / "absent.png").string()); });
    ASSERT_TRUE(contains(msg, "absent.png") && contains(msg, "No such file")) << msg;
}

TEST_F(Datasets, imageExtensions)
{
    for (const char* yes : {"a.png", "b.JPG", "c.jpeg", "d.Bmp", "e.tif", "f.TIFF", "g.webp", "dir.x/h.png"})
        ASSERT_TRUE(hasImageExtension(yes)) << yes;
    for (const char* no : {"a.txt", "png", "b.png.txt", "c.gif", "dir.png/file", ".png.bak", "noext"})
        ASSERT_TRUE(!hasImageExtension(no)) << no;
}

TEST_F(Datasets, readsFromSeveralThreadsAtOnce)
{
    const fs::path root = dir("threads");
    for (int i = 0; i < 24; ++i)
        ASSERT_TRUE(writeImage(root / (i % 2 ? "odd" : "even") / (std::to_string(100 + i) + ".png"), grayTile(i % 20)));
    writeBytes(root / "cifar" / "test_batch.bin",
               concat({cifarRecord({1}, 1), cifarRecord({2}, 2), cifarRecord({3}, 3), cifarRecord({4}, 4)}));
    for (const fs::path& p : {root, root / "cifar"}) {
        const auto ds = openDataset(p.string());
        std::vector<std::vector<std::uint8_t>> serial;
        for (std::size_t i = 0; i < ds->size(); ++i)
            serial.push_back(ds->image(i).pixels);
        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 20; ++round)
                    for (std::size_t i = 0; i < ds->size(); ++i)
                        mismatches[t] += ds->image((i + t) % ds->size()).pixels != serial[(i + t) % ds->size()];
            });
        for (auto& th : threads)
            th.join();
        ASSERT_EQ(mismatches, std::vector<int>(4, 0));
    }
}

TEST_F(Datasets, displayNames)
{
    ASSERT_EQ(datasetDisplayName("/data/lists/val.csv"), std::string("val"));
    ASSERT_EQ(datasetDisplayName("/data/cifar/test_batch.bin"), std::string("test_batch"));
    ASSERT_EQ(datasetDisplayName("/data/svhn/"), std::string("svhn"));
    ASSERT_EQ(datasetDisplayName("/d/fashion-mnist-2000-images-idx3-ubyte.gz"), std::string("fashion-mnist-2000"));
}

// --- end to end ---------------------------------------------------------------------------

TEST_F(Datasets, cliScoresAnImageFolderAndSkipsBrokenFiles)
{
    const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/";
    const fs::path idTree = dir("e2e") / "digits";
    const fs::path oodFlat = dir("e2e") / "fashion";
    const auto mnist = openDataset(demo + "mnist-test-2000-images-idx3-ubyte.gz");
    std::map<int, int> written;
    for (std::size_t i = 0; i < mnist->size() && written[3] + written[7] < 20; ++i) {
        const int digit = mnist->label(i);
        if ((digit != 3 && digit != 7) || written[digit] == 10)
            continue;
        ImageU8 img = mnist->image(i);
        const cv::Mat m(img.height, img.width, CV_8UC1, img.pixels.data());
        ASSERT_TRUE(writeImage(idTree / std::to_string(digit) / ("mnist_" + std::to_string(i) + ".png"), m));
        ++written[digit];
    }
    ASSERT_EQ(written[3] + written[7], 20);
    std::vector<std::uint8_t> junk(300, 0x5a);
    writeBytes(idTree / "3" / "broken.png", junk);
    writeText(idTree / "3" / "notes.txt", "not an image\n");
    const auto fashion = openDataset(demo + "fashion-mnist-2000-images-idx3-ubyte.gz");
    for (std::size_t i = 0; i < 10; ++i) {
        ImageU8 img = fashion->image(i);
        ASSERT_TRUE(writeImage(oodFlat / ("f" + std::to_string(i) + ".png"),
                               cv::Mat(img.height, img.width, CV_8UC1, img.pixels.data())));
    }

    const std::string out = (dir("e2e") / "out").string();
    const auto r = runCli({"score", "--model", demo + "mnist_cnn.pt", "--id", idTree.string(), "--ood",
                           "fashion=" + oodFlat.string(), "--methods", "msp,energy", "--out", out},
                          (dir("e2e") / "cache").string());
    ASSERT_TRUE(r.exitCode == 0) << r.err;
    // The broken file is named as skipped; the text file is not even listed.
    bool namedBroken = false;
    for (const std::string& line : oodlens::test::split(r.err, '\n'))
        namedBroken |= contains(line, "skipped") && contains(line, "broken.png");
    ASSERT_TRUE(namedBroken) << r.err;
    ASSERT_TRUE(!contains(r.err, "notes.txt")) << r.err;

    ASSERT_TRUE(fs::is_regular_file(out + "/scores.csv"));
    const std::vector<std::string> lines =
        oodlens::test::split(oodlens::test::readFile(out + "/scores.csv"), '\n', true);
    ASSERT_TRUE(!lines.empty());
    const std::vector<std::string> header = oodlens::test::split(lines[0], ',');
    const auto column = [&header](const char* name) {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
    };
    const int dataset = column("dataset"), path = column("path");
    const int label = column("label"), prediction = column("prediction");
    ASSERT_TRUE(dataset >= 0 && path >= 0 && label >= 0 && prediction >= 0);
    int idRows = 0, oodRows = 0, correct = 0;
    std::set<std::string> paths;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::vector<std::string> fields = oodlens::test::split(lines[i], ',');
        ASSERT_EQ(fields.size(), header.size());
        if (fields[dataset] == "fashion") {
            ++oodRows;
            continue;
        }
        ASSERT_EQ(fields[dataset], "id");
        ++idRows;
        paths.insert(fields[path]);
        ASSERT_TRUE(endsWith(fields[path], ".png") && !contains(fields[path], "broken")) << fields[path];
        // Classes "3" and "7" sorted: labels 0 and 1.
        const bool three = contains(fields[path], "/3/");
        ASSERT_EQ(fields[label], three ? "0" : "1");
        correct += fields[prediction] == (three ? "3" : "7");
    }
    ASSERT_EQ(idRows, 20);
    ASSERT_EQ(oodRows, 10);
    ASSERT_EQ(paths.size(), std::size_t(20));
    // The PNGs decode to the same digits: the demo CNN still recognises them.
    ASSERT_TRUE(correct >= 18) << correct;
}
