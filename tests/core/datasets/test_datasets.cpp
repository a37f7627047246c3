// SPDX-License-Identifier: GPL-3.0-or-later
// Dataset kinds behind openDataset(): detection, ImageFolder / flat folder / CSV / CIFAR / IDX
// reading, image decoding, and oodlens-cli end to end on an ImageFolder of PNGs.
#include "datasets/Dataset.h"
#include "common/Error.h"
#include "datasets/Idx.h"
#include "datasets/ImageDecode.h"

// OpenCV only writes the fixture images.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using namespace oodlens;

namespace {

void writeBytes(const fs::path& path, const std::vector<std::uint8_t>& bytes)
{
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

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
template <typename F> QString errorOf(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("<no error thrown>");
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

struct CliResult {
    int exitCode = -1;
    QString out;
    QString err;
};

CliResult runCli(const QStringList& args, const QString& cacheDir)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("OODLENS_CACHE_DIR"), cacheDir); // a fresh cache: the extraction really runs
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(OODLENS_CLI), args);
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT
private:
    QTemporaryDir tmp;
    fs::path dir(const char* name) const { return fs::path(tmp.path().toStdString()) / name; }

private Q_SLOTS:
    void initTestCase() { QVERIFY(tmp.isValid()); }

    // --- detection --------------------------------------------------------------------------

    void detectsEveryKind()
    {
        const fs::path root = dir("kinds");
        QVERIFY(writeImage(root / "tree" / "cat" / "a.png", grayTile(1)));
        QVERIFY(writeImage(root / "flat" / "a.png", grayTile(1)));
        writeText(root / "list.csv", "flat/a.png,0\n");
        writeIdx((root / "digits-images-idx3-ubyte").string(), {2, 2, 2}, std::vector<std::uint8_t>(8, 1));
        writeIdx((root / "plain.dat").string(), {1, 2, 2}, std::vector<std::uint8_t>(4, 1)); // IDX by content
        writeBytes(root / "c10" / "test_batch.bin", cifarRecord({3}, 0));
        writeBytes(root / "data_batch_1.bin", cifarRecord({3}, 0));
        writeBytes(root / "c100" / "test.bin", cifarRecord({1, 42}, 0));

        QCOMPARE(openDataset((root / "tree").string())->kind(), std::string("imagefolder"));
        QCOMPARE(openDataset((root / "flat").string())->kind(), std::string("folder"));
        QCOMPARE(openDataset((root / "list.csv").string())->kind(), std::string("csv"));
        QCOMPARE(openDataset((root / "digits-images-idx3-ubyte").string())->kind(), std::string("idx"));
        QCOMPARE(openDataset((root / "plain.dat").string())->kind(), std::string("idx"));
        QCOMPARE(openDataset((root / "c10").string())->kind(), std::string("cifar10"));
        QCOMPARE(openDataset((root / "data_batch_1.bin").string())->kind(), std::string("cifar10"));
        QCOMPARE(openDataset((root / "c100").string())->kind(), std::string("cifar100"));
        QCOMPARE(openDataset((root / "c100" / "test.bin").string())->kind(), std::string("cifar100"));
        // A trailing slash on a folder changes nothing.
        QCOMPARE(openDataset((root / "tree").string() + "/")->kind(), std::string("imagefolder"));
    }

    void refusesUnrecognisedPathsByName()
    {
        const fs::path root = dir("unrecognised");
        writeText(root / "notes.txt", "hello");
        QString msg = errorOf([&] { openDataset((root / "notes.txt").string()); });
        QVERIFY2(msg.contains(QLatin1String("notes.txt")) && msg.contains(QLatin1String("unrecognised")),
                 qPrintable(msg));

        QVERIFY(writeImage(root / "one.png", grayTile(1)));
        msg = errorOf([&] { openDataset((root / "one.png").string()); });
        QVERIFY2(msg.contains(QLatin1String("one.png")) && msg.contains(QLatin1String("single image")),
                 qPrintable(msg));

        msg = errorOf([&] { openDataset((root / "missing").string()); });
        QVERIFY2(msg.contains(QLatin1String("missing")) && msg.contains(QLatin1String("does not exist")),
                 qPrintable(msg));
    }

    void refusesFoldersWithoutImages()
    {
        const fs::path empty = dir("empty");
        fs::create_directories(empty);
        QString msg = errorOf([&] { openDataset(empty.string()); });
        QVERIFY2(msg.contains(QString::fromStdString(empty.string())) && msg.contains(QLatin1String("no image")),
                 qPrintable(msg));

        // Non-image files and empty class folders do not count.
        const fs::path junk = dir("junk");
        writeText(junk / "notes.txt", "x");
        writeText(junk / "a" / "readme.md", "x");
        fs::create_directories(junk / "b");
        msg = errorOf([&] { openDataset(junk.string()); });
        QVERIFY2(msg.contains(QString::fromStdString(junk.string())) && msg.contains(QLatin1String("no image")),
                 qPrintable(msg));
    }

    // --- ImageFolder and flat folders --------------------------------------------------------

    void imageFolderClassesAreSortedBytewise()
    {
        const fs::path root = dir("tree");
        // Byte-wise order: "10" < "9" < "B" < "a" < "b" (digits, then upper case, then lower case).
        const std::vector<std::string> classes = {"b", "a", "B", "10", "9"};
        int seed = 0;
        for (const std::string& c : classes)
            QVERIFY(writeImage(root / c / "img.png", grayTile(++seed)));
        QVERIFY(writeImage(root / "root-file.png", grayTile(9))); // ignored: class subfolders exist
        writeText(root / "notes.txt", "x");
        writeText(root / "a" / "notes.txt", "x");                       // not an image
        QVERIFY(writeImage(root / "a" / ".hidden.png", grayTile(9)));   // hidden
        QVERIFY(writeImage(root / "a" / "z.PNG", grayTile(7)));         // extension in any case
        QVERIFY(writeImage(root / "a" / "sub" / "b.png", grayTile(8))); // recursive
        QVERIFY(writeImage(root / "a" / "c.jpg", grayTile(6)));
        fs::create_directories(root / "c-empty"); // an empty class keeps its place

        const auto ds = openDataset(root.string());
        QCOMPARE(ds->classNames(), (std::vector<std::string>{"10", "9", "B", "a", "b", "c-empty"}));
        std::vector<std::string> rel;
        std::vector<int> labels;
        for (std::size_t i = 0; i < ds->size(); ++i) {
            rel.push_back(fs::path(ds->itemPath(i)).lexically_relative(root).generic_string());
            labels.push_back(ds->label(i));
        }
        // Within a class: files of a folder before those of its subfolders, by name (torchvision's
        // sorted(os.walk())).
        QCOMPARE(rel, (std::vector<std::string>{"10/img.png", "9/img.png", "B/img.png", "a/c.jpg", "a/img.png",
                                                "a/z.PNG", "a/sub/b.png", "b/img.png"}));
        QCOMPARE(labels, (std::vector<int>{0, 1, 2, 3, 3, 3, 3, 4}));
        // The item is the file it names.
        const ImageU8 img = ds->image(1);
        QCOMPARE(img.channels, 1);
        QCOMPARE(img.at(0, 0, 0), std::uint8_t(5 * 10)); // class "9" got seed 5
        QCOMPARE(ds->source(), root.string());
    }

    void imageFolderFollowsSymbolicLinksWithoutLooping()
    {
        const fs::path root = dir("links");
        const fs::path outside = dir("links-target");
        QVERIFY(writeImage(root / "cls" / "a.png", grayTile(1)));
        QVERIFY(writeImage(outside / "b.png", grayTile(2)));
        fs::create_directory_symlink(outside, root / "cls" / "linked");    // followed
        fs::create_directory_symlink(root / "cls", root / "cls" / "loop"); // a cycle: not followed
        fs::create_directory_symlink(outside, root / "other");             // a linked class folder
        const auto ds = openDataset(root.string());
        QCOMPARE(ds->classNames(), (std::vector<std::string>{"cls", "other"}));
        std::vector<std::string> rel;
        for (std::size_t i = 0; i < ds->size(); ++i)
            rel.push_back(fs::path(ds->itemPath(i)).lexically_relative(root).generic_string());
        QCOMPARE(rel, (std::vector<std::string>{"cls/a.png", "cls/linked/b.png", "other/b.png"}));
        QCOMPARE(ds->label(2), 1);
    }

    void flatFolderIsUnlabelledAndSorted()
    {
        const fs::path root = dir("flat");
        QVERIFY(writeImage(root / "b.png", grayTile(2)));
        QVERIFY(writeImage(root / "a.bmp", grayTile(1)));
        QVERIFY(writeImage(root / "C.tif", grayTile(3)));
        writeText(root / "notes.txt", "x");
        fs::create_directories(root / "empty-sub");
        const auto ds = openDataset(root.string());
        QCOMPARE(ds->kind(), std::string("folder"));
        QCOMPARE(ds->size(), std::size_t(3));
        QVERIFY(ds->classNames().empty());
        QCOMPARE(fs::path(ds->itemPath(0)).filename().string(), std::string("C.tif"));
        QCOMPARE(fs::path(ds->itemPath(1)).filename().string(), std::string("a.bmp"));
        QCOMPARE(fs::path(ds->itemPath(2)).filename().string(), std::string("b.png"));
        for (std::size_t i = 0; i < ds->size(); ++i)
            QCOMPARE(ds->label(i), -1);
        QCOMPARE(ds->image(1).at(0, 1, 0), std::uint8_t(11));
    }

    void folderFingerprintIsCheapAndTracksChanges()
    {
        const fs::path root = dir("fp");
        QVERIFY(writeImage(root / "x" / "a.png", grayTile(1)));
        QVERIFY(writeImage(root / "y" / "b.png", grayTile(2)));
        const std::string first = openDataset(root.string())->fingerprint();
        QVERIFY(first.rfind("imagefolder:", 0) == 0);
        QCOMPARE(openDataset(root.string())->fingerprint(), first);
        QCOMPARE(openDataset(root.string() + "/")->fingerprint(), first);
        // A moved folder keeps its fingerprint: paths are taken relative to the root.
        const fs::path moved = dir("fp-moved");
        fs::rename(root, moved);
        QCOMPARE(openDataset(moved.string())->fingerprint(), first);
        // A changed file changes it.
        QVERIFY(writeImage(moved / "y" / "b.png", grayTile(2, 6, 6)));
        QVERIFY(openDataset(moved.string())->fingerprint() != first);
    }

    // --- CSV ----------------------------------------------------------------------------------

    void csvResolvesPathsAndReadsLabels()
    {
        const fs::path root = dir("csv");
        QVERIFY(writeImage(root / "img" / "a.png", grayTile(1)));
        QVERIFY(writeImage(root / "img" / "b,c.png", grayTile(2)));
        QVERIFY(writeImage(root / "img" / "q\"uote.png", grayTile(3)));
        QVERIFY(writeImage(dir("elsewhere") / "abs.png", grayTile(4)));
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
        QCOMPARE(ds->size(), std::size_t(5));
        QCOMPARE(ds->itemPath(0), (root / "img" / "a.png").string());
        QCOMPARE(ds->itemPath(1), (root / "img" / "b,c.png").string());
        QCOMPARE(ds->itemPath(2), (root / "img" / "q\"uote.png").string());
        QCOMPARE(ds->itemPath(3), abs);
        QCOMPARE(ds->itemPath(4), (root / "img" / "a.png").string());
        QCOMPARE(ds->label(0), 3);
        QCOMPARE(ds->label(1), 5);
        QCOMPARE(ds->label(2), -1);
        QCOMPARE(ds->label(3), -1);
        QCOMPARE(ds->label(4), -1);
        QCOMPARE(ds->image(1).at(0, 0, 0), std::uint8_t(20));
        QCOMPARE(ds->image(3).at(0, 0, 0), std::uint8_t(40));
        QVERIFY(ds->fingerprint().rfind("csv:", 0) == 0);
    }

    void csvHeaderDetection()
    {
        const fs::path root = dir("csvhead");
        QVERIFY(writeImage(root / "a.png", grayTile(1)));
        QVERIFY(writeImage(root / "b.png", grayTile(2)));
        // A header is recognised by a second field that is not an integer...
        writeText(root / "named.csv", "file,class\na.png,1\nb.png,2\n");
        auto ds = openDataset((root / "named.csv").string());
        QCOMPARE(ds->size(), std::size_t(2));
        QCOMPARE(ds->label(0), 1);
        // ... or by a first field "path", also without a label column.
        writeText(root / "single.csv", "Path\na.png\nb.png\n");
        ds = openDataset((root / "single.csv").string());
        QCOMPARE(ds->size(), std::size_t(2));
        QCOMPARE(ds->label(1), -1);
        // No header: the first line is data.
        writeText(root / "plain.csv", "a.png,0\nb.png,1");
        ds = openDataset((root / "plain.csv").string());
        QCOMPARE(ds->size(), std::size_t(2));
        QCOMPARE(ds->label(0), 0);
        QCOMPARE(ds->itemPath(1), (root / "b.png").string());
    }

    void csvLabelChangesTheFingerprint()
    {
        const fs::path root = dir("csvfp");
        QVERIFY(writeImage(root / "a.png", grayTile(1)));
        writeText(root / "l.csv", "a.png,1\n");
        const std::string one = openDataset((root / "l.csv").string())->fingerprint();
        writeText(root / "l.csv", "a.png,2\n");
        QVERIFY(openDataset((root / "l.csv").string())->fingerprint() != one);
    }

    void csvErrorsNameTheFileAndLine()
    {
        const fs::path root = dir("csvbad");
        writeText(root / "label.csv", "a.png,1\nb.png,1\nc.png,cat\n");
        QString msg = errorOf([&] { openDataset((root / "label.csv").string()); });
        QVERIFY2(msg.contains(QLatin1String("label.csv")) && msg.contains(QLatin1String("line 3")) &&
                     msg.contains(QLatin1String("'cat'")),
                 qPrintable(msg));
        writeText(root / "quote.csv", "a.png,1\n\"b.png,2\n");
        msg = errorOf([&] { openDataset((root / "quote.csv").string()); });
        QVERIFY2(msg.contains(QLatin1String("quote.csv")) && msg.contains(QLatin1String("line 2")) &&
                     msg.contains(QLatin1String("unterminated")),
                 qPrintable(msg));
        writeText(root / "empty.csv", "path,label\n\n");
        msg = errorOf([&] { openDataset((root / "empty.csv").string()); });
        QVERIFY2(msg.contains(QLatin1String("empty.csv")) && msg.contains(QLatin1String("no image")), qPrintable(msg));
        // A listed file that is missing is reported when read, naming it.
        writeText(root / "missing.csv", "gone.png,1\n");
        const auto ds = openDataset((root / "missing.csv").string());
        msg = errorOf([&] { ds->image(0); });
        QVERIFY2(msg.contains(QString::fromStdString((root / "gone.png").string())), qPrintable(msg));
    }

    // --- CIFAR --------------------------------------------------------------------------------

    void cifar10RecordsBecomeInterleavedRgb()
    {
        const fs::path file = dir("c10") / "data_batch_1.bin";
        writeBytes(file, concat({cifarRecord({6}, 0), cifarRecord({9}, 1), cifarRecord({0}, 2)}));
        const auto ds = openDataset(file.string());
        QCOMPARE(ds->kind(), std::string("cifar10"));
        QCOMPARE(ds->size(), std::size_t(3));
        QCOMPARE(ds->label(0), 6);
        QCOMPARE(ds->label(1), 9);
        QCOMPARE(ds->label(2), 0);
        QCOMPARE(ds->itemPath(2), file.string() + "#2");
        for (int seed : {0, 1, 2}) {
            const ImageU8 img = ds->image(static_cast<std::size_t>(seed));
            QCOMPARE(img.width, 32);
            QCOMPARE(img.height, 32);
            QCOMPARE(img.channels, 3);
            for (int y : {0, 5, 31})
                for (int x : {0, 17, 31})
                    for (int c = 0; c < 3; ++c)
                        QCOMPARE(img.at(y, x, c), cifarPixel(seed, c, y, x));
        }
        // Byte layout spelled out once: pixel (0,1) of record 0 is R = byte 1 + 1, G = byte 1 + 1024 + 1, ...
        const std::vector<std::uint8_t> raw = readBytes(file);
        const ImageU8 img = ds->image(0);
        QCOMPARE(img.pixels[3], raw[1 + 1]);
        QCOMPARE(img.pixels[4], raw[1 + 1024 + 1]);
        QCOMPARE(img.pixels[5], raw[1 + 2048 + 1]);
    }

    void cifar100UsesTheFineLabel()
    {
        const fs::path file = dir("c100") / "train.bin";
        writeBytes(file, concat({cifarRecord({3, 77}, 4), cifarRecord({19, 99}, 5)}));
        const auto ds = openDataset(file.string());
        QCOMPARE(ds->kind(), std::string("cifar100"));
        QCOMPARE(ds->size(), std::size_t(2));
        QCOMPARE(ds->label(0), 77);
        QCOMPARE(ds->label(1), 99);
        const ImageU8 img = ds->image(1);
        QCOMPARE(img.at(3, 4, 0), cifarPixel(5, 0, 3, 4));
        QCOMPARE(img.at(3, 4, 2), cifarPixel(5, 2, 3, 4));
    }

    void cifarFolderPicksTheTestSplitOrTheTrainingBatches()
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
        QCOMPARE(ds->size(), std::size_t(4));
        QCOMPARE(ds->label(0), 1);
        QCOMPARE(ds->label(1), 2);
        QCOMPARE(ds->label(3), 7); // data_batch_10 after data_batch_2
        QCOMPARE(ds->itemPath(2), (root / "data_batch_2.bin").string() + "#1");
        QCOMPARE(ds->image(2).at(0, 0, 1), cifarPixel(3, 1, 0, 0));
        QCOMPARE(ds->image(3).at(1, 2, 2), cifarPixel(7, 2, 1, 2));
        QCOMPARE(ds->classNames().size(), std::size_t(10));
        QCOMPARE(ds->classNames()[3], std::string("cat"));

        writeBytes(root / "test_batch.bin", cifarRecord({5}, 9));
        ds = openDataset(root.string());
        QCOMPARE(ds->size(), std::size_t(1));
        QCOMPARE(ds->label(0), 5);
    }

    void cifarSizeMustBeAMultipleOfTheRecord()
    {
        const fs::path root = dir("c10bad");
        auto bytes = concat({cifarRecord({1}, 0), cifarRecord({2}, 1)});
        bytes.pop_back();
        writeBytes(root / "test_batch.bin", bytes);
        QString msg = errorOf([&] { openDataset((root / "test_batch.bin").string()); });
        QVERIFY2(msg.contains(QLatin1String("test_batch.bin")) && msg.contains(QLatin1String("3073")), qPrintable(msg));
        // CIFAR-100 records are one byte longer: a CIFAR-10 file named like CIFAR-100 is refused.
        writeBytes(root / "test.bin", concat({cifarRecord({1}, 0), cifarRecord({2}, 1)}));
        msg = errorOf([&] { openDataset((root / "test.bin").string()); });
        QVERIFY2(msg.contains(QLatin1String("test.bin")) && msg.contains(QLatin1String("3074")), qPrintable(msg));
        // A huge (sparse) file is refused from its size alone, before anything is allocated or read.
        const fs::path huge = root / "huge" / "data_batch_1.bin";
        fs::create_directories(huge.parent_path());
        writeBytes(huge, {0});
        fs::resize_file(huge, 3073ull * 4000000ull + 1); // 12 GB, not a multiple
        msg = errorOf([&] { openDataset(huge.string()); });
        QVERIFY2(msg.contains(QLatin1String("data_batch_1.bin")) && msg.contains(QLatin1String("multiple")),
                 qPrintable(msg));
        // Labels outside the range say the file is not what its name claims.
        writeBytes(root / "labels" / "data_batch_1.bin", cifarRecord({10}, 0));
        msg = errorOf([&] { openDataset((root / "labels" / "data_batch_1.bin").string()); });
        QVERIFY2(msg.contains(QLatin1String("data_batch_1.bin")) && msg.contains(QLatin1String("label 10")),
                 qPrintable(msg));
        writeBytes(root / "empty" / "test_batch.bin", {});
        msg = errorOf([&] { openDataset((root / "empty" / "test_batch.bin").string()); });
        QVERIFY2(msg.contains(QLatin1String("test_batch.bin")) && msg.contains(QLatin1String("empty")),
                 qPrintable(msg));
    }

    void cifarFingerprintFollowsTheContent()
    {
        const fs::path file = dir("c10fp") / "test_batch.bin";
        writeBytes(file, cifarRecord({1}, 0));
        const std::string one = openDataset(file.string())->fingerprint();
        QVERIFY(one.rfind("cifar10:", 0) == 0);
        QCOMPARE(openDataset(file.string())->fingerprint(), one);
        writeBytes(file, cifarRecord({1}, 1));
        QVERIFY(openDataset(file.string())->fingerprint() != one);
    }

    // --- image decoding -----------------------------------------------------------------------

    void redStaysRedInEveryFormat()
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
            QVERIFY2(writeImage(root / c.name, red, c.params), c.name);
            const ImageU8 img = decodeImageFile((root / c.name).string());
            QCOMPARE(img.width, 12);
            QCOMPARE(img.height, 8);
            QCOMPARE(img.channels, 3);
            for (int y = 0; y < img.height; ++y)
                for (int x = 0; x < img.width; ++x) {
                    QVERIFY2(std::abs(int(img.at(y, x, 0)) - 255) <= c.tolerance, c.name);
                    QVERIFY2(int(img.at(y, x, 1)) <= c.tolerance, c.name);
                    QVERIFY2(int(img.at(y, x, 2)) <= c.tolerance, c.name);
                }
        }
    }

    void sixteenBitIsScaledToEightBits()
    {
        const fs::path root = dir("deep");
        cv::Mat gray(1, 6, CV_16UC1);
        const std::uint16_t values[6] = {0, 257, 1000, 32896, 65000, 65535};
        for (int x = 0; x < 6; ++x)
            gray.at<std::uint16_t>(0, x) = values[x];
        const std::uint8_t expected[6] = {0, 1, 4, 128, 253, 255}; // round(v / 257)
        for (const char* name : {"gray16.png", "gray16.tiff"}) {
            QVERIFY(writeImage(root / name, gray));
            const ImageU8 img = decodeImageFile((root / name).string());
            QCOMPARE(img.channels, 1);
            for (int x = 0; x < 6; ++x)
                QCOMPARE(img.at(0, x, 0), expected[x]);
        }
        // 16-bit colour: scaled and reordered (BGR -> RGB).
        cv::Mat color(1, 1, CV_16UC3, cv::Scalar(1000, 32896, 65535)); // B, G, R
        QVERIFY(writeImage(root / "rgb16.png", color));
        const ImageU8 img = decodeImageFile((root / "rgb16.png").string());
        QCOMPARE(img.channels, 3);
        QCOMPARE(img.at(0, 0, 0), std::uint8_t(255));
        QCOMPARE(img.at(0, 0, 1), std::uint8_t(128));
        QCOMPARE(img.at(0, 0, 2), std::uint8_t(4));
    }

    void alphaIsDroppedAndGrayStaysGray()
    {
        const fs::path root = dir("alpha");
        QVERIFY(writeImage(root / "rgba.png", cv::Mat(3, 2, CV_8UC4, cv::Scalar(10, 20, 30, 0)))); // B G R A
        ImageU8 img = decodeImageFile((root / "rgba.png").string());
        QCOMPARE(img.channels, 3);
        QCOMPARE(img.pixels.size(), std::size_t(3 * 2 * 3));
        QCOMPARE(img.at(2, 1, 0), std::uint8_t(30));
        QCOMPARE(img.at(2, 1, 1), std::uint8_t(20));
        QCOMPARE(img.at(2, 1, 2), std::uint8_t(10));

        QVERIFY(writeImage(root / "rgba16.png", cv::Mat(1, 1, CV_16UC4, cv::Scalar(0, 65535, 257, 65535))));
        img = decodeImageFile((root / "rgba16.png").string());
        QCOMPARE(img.channels, 3);
        QCOMPARE(img.at(0, 0, 0), std::uint8_t(1));
        QCOMPARE(img.at(0, 0, 1), std::uint8_t(255));
        QCOMPARE(img.at(0, 0, 2), std::uint8_t(0));

        for (const char* name : {"gray.png", "gray.jpg", "gray.bmp", "gray.tif"}) {
            QVERIFY(writeImage(root / name, cv::Mat(4, 4, CV_8UC1, cv::Scalar(77))));
            img = decodeImageFile((root / name).string());
            QVERIFY2(img.channels == 1, name);
            QVERIFY2(std::abs(int(img.at(3, 3, 0)) - 77) <= 1, name);
        }
    }

    void largeImagesOfAnySizeDecode()
    {
        const fs::path root = dir("sizes");
        cv::Mat m(300, 7, CV_8UC3);
        cv::randu(m, 0, 255);
        QVERIFY(writeImage(root / "tall.png", m));
        const ImageU8 img = decodeImageFile((root / "tall.png").string());
        QCOMPARE(img.height, 300);
        QCOMPARE(img.width, 7);
        const cv::Vec3b bgr = m.at<cv::Vec3b>(299, 6);
        QCOMPARE(img.at(299, 6, 0), bgr[2]);
        QCOMPARE(img.at(299, 6, 2), bgr[0]);
    }

    void brokenImagesAreReportedByName()
    {
        const fs::path root = dir("broken");
        QVERIFY(writeImage(root / "ok.png", grayTile(1)));
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
        QCOMPARE(ds->size(), std::size_t(4));
        std::map<std::string, QString> errors;
        for (std::size_t i = 0; i < ds->size(); ++i)
            errors[fs::path(ds->itemPath(i)).filename().string()] = errorOf([&] { ds->image(i); });
        QCOMPARE(errors["ok.png"], QStringLiteral("<no error thrown>"));
        for (const char* name : {"noise.png", "truncated.png", "zero.png"}) {
            const QString expected =
                QStringLiteral("cannot read '%1': ").arg(QString::fromStdString((root / name).string()));
            QVERIFY2(errors[name].startsWith(expected), qPrintable(errors[name]));
            QVERIFY2(errors[name].contains(QLatin1String("not a decodable image")), qPrintable(errors[name]));
        }
        // A file that cannot be opened says why.
        const QString msg = errorOf([&] { decodeImageFile((root / "absent.png").string()); });
        QVERIFY2(msg.contains(QLatin1String("absent.png")) && msg.contains(QLatin1String("No such file")),
                 qPrintable(msg));
    }

    void imageExtensions()
    {
        for (const char* yes : {"a.png", "b.JPG", "c.jpeg", "d.Bmp", "e.tif", "f.TIFF", "g.webp", "dir.x/h.png"})
            QVERIFY2(hasImageExtension(yes), yes);
        for (const char* no : {"a.txt", "png", "b.png.txt", "c.gif", "dir.png/file", ".png.bak", "noext"})
            QVERIFY2(!hasImageExtension(no), no);
    }

    void readsFromSeveralThreadsAtOnce()
    {
        const fs::path root = dir("threads");
        for (int i = 0; i < 24; ++i)
            QVERIFY(writeImage(root / (i % 2 ? "odd" : "even") / (std::to_string(100 + i) + ".png"), grayTile(i % 20)));
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
            QCOMPARE(mismatches, std::vector<int>(4, 0));
        }
    }

    void displayNames()
    {
        QCOMPARE(datasetDisplayName("/data/lists/val.csv"), std::string("val"));
        QCOMPARE(datasetDisplayName("/data/cifar/test_batch.bin"), std::string("test_batch"));
        QCOMPARE(datasetDisplayName("/data/svhn/"), std::string("svhn"));
        QCOMPARE(datasetDisplayName("/d/fashion-mnist-2000-images-idx3-ubyte.gz"), std::string("fashion-mnist-2000"));
    }

    // --- end to end ---------------------------------------------------------------------------

    void cliScoresAnImageFolderAndSkipsBrokenFiles()
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
            QVERIFY(writeImage(idTree / std::to_string(digit) / ("mnist_" + std::to_string(i) + ".png"), m));
            ++written[digit];
        }
        QCOMPARE(written[3] + written[7], 20);
        std::vector<std::uint8_t> junk(300, 0x5a);
        writeBytes(idTree / "3" / "broken.png", junk);
        writeText(idTree / "3" / "notes.txt", "not an image\n");
        const auto fashion = openDataset(demo + "fashion-mnist-2000-images-idx3-ubyte.gz");
        for (std::size_t i = 0; i < 10; ++i) {
            ImageU8 img = fashion->image(i);
            QVERIFY(writeImage(oodFlat / ("f" + std::to_string(i) + ".png"),
                               cv::Mat(img.height, img.width, CV_8UC1, img.pixels.data())));
        }

        const QString out = QString::fromStdString((dir("e2e") / "out").string());
        const CliResult r =
            runCli({QStringLiteral("score"), QStringLiteral("--model"), QString::fromStdString(demo + "mnist_cnn.pt"),
                    QStringLiteral("--id"), QString::fromStdString(idTree.string()), QStringLiteral("--ood"),
                    QStringLiteral("fashion=") + QString::fromStdString(oodFlat.string()), QStringLiteral("--methods"),
                    QStringLiteral("msp,energy"), QStringLiteral("--out"), out},
                   QString::fromStdString((dir("e2e") / "cache").string()));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        // The broken file is named as skipped; the text file is not even listed.
        bool namedBroken = false;
        for (const QString& line : r.err.split(QLatin1Char('\n')))
            namedBroken |= line.contains(QLatin1String("skipped")) && line.contains(QLatin1String("broken.png"));
        QVERIFY2(namedBroken, qPrintable(r.err));
        QVERIFY2(!r.err.contains(QLatin1String("notes.txt")), qPrintable(r.err));

        QFile f(out + QStringLiteral("/scores.csv"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(!lines.isEmpty());
        const QStringList header = lines[0].split(QLatin1Char(','));
        const int dataset = header.indexOf(QStringLiteral("dataset")), path = header.indexOf(QStringLiteral("path"));
        const int label = header.indexOf(QStringLiteral("label")),
                  prediction = header.indexOf(QStringLiteral("prediction"));
        QVERIFY(dataset >= 0 && path >= 0 && label >= 0 && prediction >= 0);
        int idRows = 0, oodRows = 0, correct = 0;
        std::set<QString> paths;
        for (int i = 1; i < lines.size(); ++i) {
            const QStringList fields = lines[i].split(QLatin1Char(','));
            QCOMPARE(fields.size(), header.size());
            if (fields[dataset] == QLatin1String("fashion")) {
                ++oodRows;
                continue;
            }
            QCOMPARE(fields[dataset], QStringLiteral("id"));
            ++idRows;
            paths.insert(fields[path]);
            QVERIFY2(fields[path].endsWith(QLatin1String(".png")) && !fields[path].contains(QLatin1String("broken")),
                     qPrintable(fields[path]));
            // Classes "3" and "7" sorted: labels 0 and 1.
            const bool three = fields[path].contains(QLatin1String("/3/"));
            QCOMPARE(fields[label], three ? QStringLiteral("0") : QStringLiteral("1"));
            correct += fields[prediction] == (three ? QLatin1String("3") : QLatin1String("7"));
        }
        QCOMPARE(idRows, 20);
        QCOMPARE(oodRows, 10);
        QCOMPARE(paths.size(), std::size_t(20));
        // The PNGs decode to the same digits: the demo CNN still recognises them.
        QVERIFY2(correct >= 18, qPrintable(QString::number(correct)));
    }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
