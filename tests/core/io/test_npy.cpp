// SPDX-License-Identifier: GPL-3.0-or-later
// The .npy / .npz reader and writer: round trips, files written by real NumPy (np.savez,
// np.savez_compressed, np.save into a folder), what NumPy reads back from ours, and hostile files
// (truncated, huge or overflowing shapes, Fortran order, pickles, big-endian data, bad header dicts,
// zip bombs, lying ZIP sizes, damaged bytes, files that are not ZIP archives or not regular files).
#include "common/Error.h"
#include "io/Npy.h"

#include "PeakMemory.h"
#include "RunProcess.h"
#include "TestSupport.h"

#include <zip.h>

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>

using namespace oodlens;
using namespace oodlens::test;

namespace {

constexpr std::uint64_t kCap = std::uint64_t(1) << 30;

// A .npy file's bytes: magic, version, header length, `dict` and a newline, then `data`.
std::string npy(const std::string& dict, const std::string& data = {}, int major = 1)
{
    std::string header = dict + "\n";
    std::string out = "\x93NUMPY";
    out += static_cast<char>(major);
    out += '\0';
    const int lengthBytes = major == 1 ? 2 : 4;
    for (int i = 0; i < lengthBytes; ++i)
        out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return out + header + data;
}

std::string dictOf(const std::string& descr, const std::string& shape, const std::string& order = "False")
{
    return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

template <typename T> std::string bytesOf(const std::vector<T>& v)
{
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// A folder holding NAME.npy with `bytes`.
std::string folderWith(const TempDir& dir, const std::string& name, const std::string& bytes)
{
    writeText(dir.filePath("arrays/" + name + ".npy"), bytes);
    return dir.filePath("arrays");
}

// The Error message readNpyArrays throws; a failure when it returns or throws anything else.
std::string readError(const std::string& path, const std::vector<std::string>& wanted, std::uint64_t maxBytes = kCap)
{
    try {
        readNpyArrays(path, wanted, maxBytes);
    } catch (const Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not an oodlens::Error: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no error reading " << path;
    return {};
}

// A ZIP archive written with libzip, members stored or deflated as asked.
void writeZip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members,
              bool deflate = false)
{
    int code = 0;
    zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    ASSERT_NE(za, nullptr);
    for (const auto& [name, bytes] : members) {
        zip_source_t* src = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
        ASSERT_NE(src, nullptr);
        const zip_int64_t index = zip_file_add(za, name.c_str(), src, 0);
        ASSERT_GE(index, 0);
        zip_set_file_compression(za, static_cast<zip_uint64_t>(index), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    ASSERT_EQ(zip_close(za), 0);
}

ProcessResult python(const std::string& code, const std::vector<std::string>& args = {})
{
    std::vector<std::string> all = {"-c", code};
    all.insert(all.end(), args.begin(), args.end());
    return runProcess("/usr/bin/python3", all);
}

double secondsFor(const std::function<void()>& f)
{
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const std::vector<std::string> kPaths = {"cats/001.png", "ünïcødé/日本語.jpg", "", "emoji 🙂.png", "a b\tc"};

} // namespace

// ---- our writer, our reader ----

TEST(NpyRoundTrip, featuresLogitsLabelsPathsAndHead)
{
    TempDir dir;
    const std::string file = dir.filePath("features.npz");
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> features = {0.5f, -1.25f, 3e38f, -0.0f, 1e-45f, inf, -inf, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f};
    const std::vector<float> logits = {1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<std::int64_t> labels = {0, -1, std::numeric_limits<std::int64_t>::max(),
                                              std::numeric_limits<std::int64_t>::min()};
    const std::vector<std::string> paths = {kPaths[0], kPaths[1], kPaths[2], kPaths[3]};
    const std::vector<float> weight = {1, 2, 3, 4, 5, 6};
    const std::vector<float> bias = {-1, 1};
    writeNpz(file, {{"features", {4, 3}, features.data()},
                    {"logits", {4, 2}, logits.data()},
                    {"labels", {4}, nullptr, labels.data()},
                    {"paths", {4}, nullptr, nullptr, &paths},
                    {"head_weight", {2, 3}, weight.data()},
                    {"head_bias", {2}, bias.data()}});

    const auto arrays =
        readNpyArrays(file, {"features", "logits", "labels", "paths", "head_weight", "head_bias", "nope"}, kCap);
    ASSERT_EQ(arrays.size(), 6u);
    EXPECT_EQ(arrays.count("nope"), 0u);
    const NpyArray& f = arrays.at("features");
    EXPECT_EQ(f.shape, (std::vector<std::size_t>{4, 3}));
    EXPECT_EQ(f.kind, 'f');
    EXPECT_EQ(f.itemBytes, 4);
    EXPECT_EQ(f.count(), 12u);
    ASSERT_EQ(f.floats.size(), features.size());
    EXPECT_EQ(std::memcmp(f.floats.data(), features.data(), 4 * features.size()), 0); // bit for bit, -0 too
    EXPECT_TRUE(f.ints.empty() && f.strings.empty());
    EXPECT_EQ(arrays.at("logits").floats, logits);
    EXPECT_EQ(arrays.at("labels").kind, 'i');
    EXPECT_EQ(arrays.at("labels").itemBytes, 8);
    EXPECT_EQ(arrays.at("labels").ints, labels);
    const NpyArray& p = arrays.at("paths");
    EXPECT_EQ(p.kind, 'U');
    EXPECT_EQ(p.itemBytes, 4 * 15); // the widest, "ünïcødé/日本語.jpg", has 15 characters
    EXPECT_EQ(p.strings, paths);
    EXPECT_EQ(arrays.at("head_weight").shape, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(arrays.at("head_weight").floats, weight);
    EXPECT_EQ(arrays.at("head_bias").floats, bias);

    // Only what is asked for is read.
    const auto some = readNpyArrays(file, {"labels"}, kCap);
    ASSERT_EQ(some.size(), 1u);
    EXPECT_EQ(some.at("labels").ints, labels);
}

TEST(NpyRoundTrip, emptyArraysAndScalars)
{
    TempDir dir;
    const std::string file = dir.filePath("e.npz");
    const std::vector<std::string> noPaths;
    const float one = 3.5f;
    const std::int64_t seven = 7;
    writeNpz(file, {{"features", {0, 5}, nullptr, nullptr, nullptr, 'f'},
                    {"labels", {0}, nullptr, nullptr, nullptr, 'i'},
                    {"paths", {0}, nullptr, nullptr, &noPaths},
                    {"t", {}, &one},
                    {"n", {}, nullptr, &seven}});
    const auto a = readNpyArrays(file, {"features", "labels", "paths", "t", "n"}, kCap);
    ASSERT_EQ(a.size(), 5u);
    EXPECT_EQ(a.at("features").shape, (std::vector<std::size_t>{0, 5}));
    EXPECT_EQ(a.at("features").kind, 'f');
    EXPECT_TRUE(a.at("features").floats.empty());
    EXPECT_EQ(a.at("labels").kind, 'i');
    EXPECT_EQ(a.at("paths").kind, 'U');
    EXPECT_TRUE(a.at("paths").strings.empty());
    EXPECT_TRUE(a.at("t").shape.empty());
    EXPECT_EQ(a.at("t").count(), 1u);
    EXPECT_EQ(a.at("t").floats, std::vector<float>{3.5f});
    EXPECT_EQ(a.at("n").ints, std::vector<std::int64_t>{7});
}

TEST(NpyRoundTrip, stringsThatAreNotUtf8GoAsBytes)
{
    TempDir dir;
    const std::string file = dir.filePath("b.npz");
    const std::vector<std::string> raw = {"latin1-\xe9.png", "ok.png", std::string("nul\0inside", 10)};
    writeNpz(file, {{"paths", {3}, nullptr, nullptr, &raw}});
    const NpyArray p = readNpyArrays(file, {"paths"}, kCap).at("paths");
    EXPECT_EQ(p.kind, 'S');
    EXPECT_EQ(p.itemBytes, 12);
    EXPECT_EQ(p.strings, raw);
}

TEST(NpyRoundTrip, replacesAnExistingFileAndLeavesNoTemporary)
{
    TempDir dir;
    const std::string file = dir.filePath("f.npz");
    writeText(file, "an old file, not even a zip");
    const std::vector<float> v = {1, 2};
    writeNpz(file, {{"x", {2}, v.data()}});
    const std::vector<float> w = {3, 4, 5};
    writeNpz(file, {{"x", {3}, w.data()}});
    EXPECT_EQ(readNpyArrays(file, {"x"}, kCap).at("x").floats, w);
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        ++entries;
        EXPECT_EQ(e.path().filename(), "f.npz");
    }
    EXPECT_EQ(entries, 1);
}

TEST(NpyWrite, anUnwritablePlaceIsAnErrorNamingTheFile)
{
    TempDir dir;
    const std::vector<float> v = {1};
    const std::string file = dir.filePath("no/such/folder/out.npz");
    try {
        writeNpz(file, {{"x", {1}, v.data()}});
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "cannot write '" + file + "'")) << e.what();
    }
    std::filesystem::create_directories(dir.filePath("taken.npz"));
    std::filesystem::create_directories(dir.filePath("taken.npz/inside"));
    EXPECT_THROW(writeNpz(dir.filePath("taken.npz"), {{"x", {1}, v.data()}}), Error);
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
        EXPECT_EQ(e.path().filename(), "taken.npz") << "a temporary file was left behind";
}

TEST(NpyWrite, inconsistentArraysAreRefused)
{
    TempDir dir;
    const std::string file = dir.filePath("x.npz");
    const std::vector<float> f = {1, 2};
    const std::vector<std::int64_t> i = {1, 2};
    const std::vector<std::string> s = {"a"};
    EXPECT_THROW(writeNpz(file, {}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"x", {2}, f.data(), i.data()}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"x", {2}}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"x", {2}, nullptr, nullptr, &s}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"x", {2}, f.data()}, {"x", {2}, f.data()}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"a/b", {2}, f.data()}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"", {2}, f.data()}}), std::invalid_argument);
    EXPECT_THROW(writeNpz(file, {{"x", {2}, f.data(), nullptr, nullptr, 'i'}}), std::invalid_argument);
    EXPECT_FALSE(std::filesystem::exists(file));
}

// ---- real NumPy ----

class NumpyFiles : public ::testing::Test {
protected:
    void SetUp() override
    {
        // python3-numpy is a test dependency (packaging/install-deps.sh): without it this fails, never skips.
        const ProcessResult r = python("import numpy");
        ASSERT_EQ(r.exitCode, 0) << "/usr/bin/python3 with numpy is needed (packaging/install-deps.sh): " << r.err;
    }

    // Runs `code` with sys.argv[1] = the temporary folder; fails the test when it fails.
    void run(const std::string& code)
    {
        const ProcessResult r = python(code, {dir.path()});
        ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
    }

    TempDir dir;
};

namespace {

// The arrays of a features file as a user's script saves them, float64 logits and int32 labels
// included, plus one array that is not asked for.
const char* kMakeArrays = R"(
import numpy as np, sys, os
out = sys.argv[1]
arrays = dict(
    features=(np.arange(15, dtype=np.float32).reshape(5, 3) / 4 - 1),
    logits=np.arange(10, dtype=np.float64).reshape(5, 2) * 0.1 - 0.35,
    labels=np.array([-1, 0, 1, 2, 2**31 - 1], dtype=np.int32),
    paths=np.array(['cats/001.png', 'ünïcødé/日本語.jpg', '', 'emoji 🙂.png', 'a b\tc']),
    head_weight=np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32),
    head_bias=np.array([0.5, -0.5]),
    unused=np.zeros((3, 3)),
)
)";

void expectUserArrays(const std::map<std::string, NpyArray>& a)
{
    ASSERT_EQ(a.size(), 6u);
    EXPECT_EQ(a.count("unused"), 0u);
    const NpyArray& f = a.at("features");
    EXPECT_EQ(f.shape, (std::vector<std::size_t>{5, 3}));
    ASSERT_EQ(f.floats.size(), 15u);
    for (std::size_t i = 0; i < 15; ++i)
        EXPECT_EQ(f.floats[i], static_cast<float>(i) / 4 - 1);
    const NpyArray& l = a.at("logits");
    EXPECT_EQ(l.kind, 'f');
    EXPECT_EQ(l.itemBytes, 8);
    EXPECT_EQ(l.shape, (std::vector<std::size_t>{5, 2}));
    ASSERT_EQ(l.floats.size(), 10u);
    for (std::size_t i = 0; i < 10; ++i)
        EXPECT_EQ(l.floats[i], static_cast<float>(static_cast<double>(i) * 0.1 - 0.35));
    EXPECT_EQ(a.at("labels").kind, 'i');
    EXPECT_EQ(a.at("labels").itemBytes, 4);
    EXPECT_EQ(a.at("labels").ints, (std::vector<std::int64_t>{-1, 0, 1, 2, 2147483647}));
    EXPECT_EQ(a.at("paths").kind, 'U');
    EXPECT_EQ(a.at("paths").strings, kPaths);
    EXPECT_EQ(a.at("head_weight").floats, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(a.at("head_bias").floats, (std::vector<float>{0.5f, -0.5f}));
}

const std::vector<std::string> kWanted = {"features", "logits", "labels", "paths", "head_weight", "head_bias"};

} // namespace

TEST_F(NumpyFiles, readsSavez)
{
    run(std::string(kMakeArrays) + "np.savez(os.path.join(out, 'f.npz'), **arrays)\n");
    expectUserArrays(readNpyArrays(dir.filePath("f.npz"), kWanted, kCap));
}

TEST_F(NumpyFiles, readsSavezCompressed)
{
    run(std::string(kMakeArrays) + "np.savez_compressed(os.path.join(out, 'f.npz'), **arrays)\n");
    expectUserArrays(readNpyArrays(dir.filePath("f.npz"), kWanted, kCap));
}

TEST_F(NumpyFiles, readsAFolderOfNpyFiles)
{
    run(std::string(kMakeArrays) + "os.mkdir(os.path.join(out, 'feat'))\n"
                                   "for k, v in arrays.items(): np.save(os.path.join(out, 'feat', k + '.npy'), v)\n");
    expectUserArrays(readNpyArrays(dir.filePath("feat"), kWanted, kCap));
}

TEST_F(NumpyFiles, readsOtherDtypesAndFormatVersions)
{
    run(R"(
import numpy as np, sys, os
from numpy.lib import format as fmt
d = os.path.join(sys.argv[1], 'd'); os.mkdir(d)
def save(name, a): np.save(os.path.join(d, name + '.npy'), a)
save('b', np.array([True, False, True]))
save('u1', np.array([0, 255], dtype=np.uint8))
save('i1', np.array([-128, 127], dtype=np.int8))
save('i2', np.array([-32768, 32767], dtype=np.int16))
save('u2', np.array([65535], dtype=np.uint16))
save('u4', np.array([4294967295], dtype=np.uint32))
save('u8', np.array([2**63 - 1], dtype=np.uint64))
save('i8', np.array([-2**63], dtype=np.int64))
save('f2', np.array([1.5, -2.0, 65504, 2**-24, np.inf], dtype=np.float16))
save('S', np.array([b'abc', b'', b'x\x00y']))
save('scalar', np.float32(2.5))
save('empty', np.zeros((0, 4), dtype=np.float32))
save('fmax', np.array([3.4028235e38, -3.4028235e38, np.nan, np.inf]))
for v in [(2, 0), (3, 0)]:
    with open(os.path.join(d, 'v%d.npy' % v[0]), 'wb') as f:
        fmt.write_array(f, np.array(['x', 'ÿz']), version=v)
)");
    const auto a = readNpyArrays(
        dir.filePath("d"),
        {"b", "u1", "i1", "i2", "u2", "u4", "u8", "i8", "f2", "S", "scalar", "empty", "fmax", "v2", "v3"}, kCap);
    ASSERT_EQ(a.size(), 15u);
    EXPECT_EQ(a.at("b").kind, 'b');
    EXPECT_EQ(a.at("b").ints, (std::vector<std::int64_t>{1, 0, 1}));
    EXPECT_EQ(a.at("u1").kind, 'u');
    EXPECT_EQ(a.at("u1").ints, (std::vector<std::int64_t>{0, 255}));
    EXPECT_EQ(a.at("i1").ints, (std::vector<std::int64_t>{-128, 127}));
    EXPECT_EQ(a.at("i2").ints, (std::vector<std::int64_t>{-32768, 32767}));
    EXPECT_EQ(a.at("u2").ints, (std::vector<std::int64_t>{65535}));
    EXPECT_EQ(a.at("u4").ints, (std::vector<std::int64_t>{4294967295LL}));
    EXPECT_EQ(a.at("u8").ints, (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max()}));
    EXPECT_EQ(a.at("i8").ints, (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min()}));
    EXPECT_EQ(a.at("f2").itemBytes, 2);
    EXPECT_EQ(a.at("f2").floats, (std::vector<float>{1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24),
                                                     std::numeric_limits<float>::infinity()}));
    EXPECT_EQ(a.at("S").kind, 'S');
    EXPECT_EQ(a.at("S").strings, (std::vector<std::string>{"abc", "", std::string("x\0y", 3)}));
    EXPECT_TRUE(a.at("scalar").shape.empty());
    EXPECT_EQ(a.at("scalar").floats, std::vector<float>{2.5f});
    EXPECT_EQ(a.at("empty").shape, (std::vector<std::size_t>{0, 4}));
    const std::vector<float>& fmax = a.at("fmax").floats;
    ASSERT_EQ(fmax.size(), 4u);
    EXPECT_EQ(fmax[0], std::numeric_limits<float>::max());
    EXPECT_EQ(fmax[1], -std::numeric_limits<float>::max());
    EXPECT_TRUE(std::isnan(fmax[2]));
    EXPECT_TRUE(std::isinf(fmax[3]));
    EXPECT_EQ(a.at("v2").strings, (std::vector<std::string>{"x", "ÿz"}));
    EXPECT_EQ(a.at("v3").strings, (std::vector<std::string>{"x", "ÿz"}));
}

TEST_F(NumpyFiles, numpyReadsWhatWeWrite)
{
    const std::string file = dir.filePath("ours.npz");
    const std::vector<float> features = {0.25f, -1.5f, 3.0f, 4.0f, 5.0f, 6.0f};
    const std::vector<std::int64_t> labels = {3, -9000000000LL};
    const std::vector<std::string> raw = {"caf\xe9", "b"};
    const std::vector<std::string> paths = {kPaths[1], kPaths[3]};
    writeNpz(file, {{"features", {2, 3}, features.data()},
                    {"labels", {2}, nullptr, labels.data()},
                    {"paths", {2}, nullptr, nullptr, &paths},
                    {"raw", {2}, nullptr, nullptr, &raw},
                    {"empty", {0, 3}, nullptr, nullptr, nullptr, 'f'}});
    const ProcessResult r = python(R"(
import numpy as np, sys, zipfile
z = np.load(sys.argv[1], allow_pickle=False)
f, l, p, r, e = z['features'], z['labels'], z['paths'], z['raw'], z['empty']
assert f.dtype == np.float32 and f.shape == (2, 3) and f.tolist() == [[0.25, -1.5, 3.0], [4.0, 5.0, 6.0]], f
assert l.dtype == np.int64 and l.tolist() == [3, -9000000000], l
assert p.dtype.kind == 'U' and p.tolist() == ['ünïcødé/日本語.jpg', 'emoji 🙂.png'], p
assert r.dtype.kind == 'S' and r.tolist() == [b'caf\xe9', b'b'], r
assert e.dtype == np.float32 and e.shape == (0, 3), e
names = sorted(i.filename for i in zipfile.ZipFile(sys.argv[1]).infolist())
assert names == ['empty.npy', 'features.npy', 'labels.npy', 'paths.npy', 'raw.npy'], names
assert all(i.compress_type == zipfile.ZIP_STORED for i in zipfile.ZipFile(sys.argv[1]).infolist())
print('ok')
)",
                                   {file});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(trimmed(r.out), "ok");
}

TEST_F(NumpyFiles, float64BeyondFloat32RangeIsAnError)
{
    run("import numpy as np, sys, os\n"
        "np.savez(os.path.join(sys.argv[1], 'f.npz'), logits=np.array([1.0, 1e300]))\n");
    const std::string message = readError(dir.filePath("f.npz"), {"logits"});
    EXPECT_TRUE(contains(message, "'" + dir.filePath("f.npz") + "'")) << message;
    EXPECT_TRUE(contains(message, "array 'logits'")) << message;
    EXPECT_TRUE(contains(message, "float32 range")) << message;
    EXPECT_TRUE(contains(message, "the value 1e+300 at index 1")) << message;
}

TEST_F(NumpyFiles, uint64BeyondInt64IsAnError)
{
    run("import numpy as np, sys, os\n"
        "np.savez(os.path.join(sys.argv[1], 'f.npz'), labels=np.array([2**63], dtype=np.uint64))\n");
    EXPECT_TRUE(contains(readError(dir.filePath("f.npz"), {"labels"}), "int64 range"));
}

TEST_F(NumpyFiles, fortranOrderIsRefusedWithAFix)
{
    run("import numpy as np, sys, os\n"
        "np.save(os.path.join(sys.argv[1], 'features.npy'), np.asfortranarray(np.ones((3, 4), np.float32)))\n");
    const std::string message = readError(dir.path(), {"features"});
    EXPECT_TRUE(contains(message, "Fortran")) << message;
    EXPECT_TRUE(contains(message, "np.ascontiguousarray")) << message;
    EXPECT_TRUE(contains(message, "array 'features'")) << message;
}

TEST_F(NumpyFiles, pickledObjectArraysAreRefusedWithAFix)
{
    run("import numpy as np, sys, os\n"
        "np.savez(os.path.join(sys.argv[1], 'f.npz'), paths=np.array(['a', None], dtype=object))\n");
    const std::string message = readError(dir.filePath("f.npz"), {"paths"});
    EXPECT_TRUE(contains(message, "pickle")) << message;
    EXPECT_TRUE(contains(message, "np.array(paths, dtype=str)")) << message;
    EXPECT_TRUE(contains(message, "array 'paths'")) << message;
}

TEST_F(NumpyFiles, bigEndianIsRefused)
{
    run("import numpy as np, sys, os\n"
        "np.savez(os.path.join(sys.argv[1], 'f.npz'), features=np.ones(3, dtype='>f4'))\n");
    const std::string message = readError(dir.filePath("f.npz"), {"features"});
    EXPECT_TRUE(contains(message, "big-endian")) << message;
    EXPECT_TRUE(contains(message, "astype('<f4')")) << message;
}

// A 64 MiB array of zeros compresses to about 64 KiB: asked for with a 1 MiB cap it is refused from
// its header, before anything is inflated or allocated. Within a larger cap, it reads (deflate at
// its best ratio is still inside the bound on what a member may claim).
TEST_F(NumpyFiles, zipBombIsRefusedFromItsHeader)
{
    run("import numpy as np, sys, os\n"
        "np.savez_compressed(os.path.join(sys.argv[1], 'f.npz'), features=np.zeros(1 << 24, dtype=np.float32))\n");
    const std::string file = dir.filePath("f.npz");
    ASSERT_LT(std::filesystem::file_size(file), 1u << 20);
    std::string message;
    long growth = 0;
    const double seconds =
        secondsFor([&] { growth = peakGrowthKb([&] { message = readError(file, {"features"}, 1 << 20); }); });
    EXPECT_TRUE(contains(message, "array 'features'")) << message;
    EXPECT_TRUE(contains(message, "more than the 1048576 allowed")) << message;
    EXPECT_LT(seconds, 2.0);
    EXPECT_LT(growth, 16 * 1024);

    const auto a = readNpyArrays(file, {"features"}, std::uint64_t(1) << 27);
    EXPECT_EQ(a.at("features").floats.size(), std::size_t(1) << 24);
}

// ZIP sizes edited to lie: a deflated member claiming 2 GiB from a few bytes, a stored one claiming
// more bytes than the archive holds.
TEST_F(NumpyFiles, lyingZipSizesAreRefused)
{
    const char* patch = R"(
import numpy as np, sys, os, io, struct, zipfile
for method in ['deflate', 'store']:
    path = os.path.join(sys.argv[1], method + '.npz')
    buf = io.BytesIO(); np.save(buf, np.arange(1000, dtype='<f4'))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED if method == 'deflate' else zipfile.ZIP_STORED) as z:
        z.writestr('features.npy', buf.getvalue())
    data = bytearray(open(path, 'rb').read())
    lh, cd = data.find(b'PK\x03\x04'), data.find(b'PK\x01\x02')
    big = 0x7ffffff0
    struct.pack_into('<I', data, lh + 22, big); struct.pack_into('<I', data, cd + 24, big)
    if method == 'store':
        struct.pack_into('<I', data, lh + 18, big); struct.pack_into('<I', data, cd + 20, big)
    open(path, 'wb').write(data)
)";
    run(patch);
    for (const char* name : {"deflate.npz", "store.npz"}) {
        const std::string file = dir.filePath(name);
        std::string message;
        const long growth = peakGrowthKb([&] { message = readError(file, {"features"}, std::uint64_t(1) << 40); });
        EXPECT_TRUE(contains(message, "'" + file + "'")) << message;
        EXPECT_LT(growth, 16 * 1024) << name;
    }
    EXPECT_TRUE(contains(readError(dir.filePath("deflate.npz"), {"features"}), "more than deflate can"));
}

TEST_F(NumpyFiles, damagedCompressedDataIsAnError)
{
    run(std::string(kMakeArrays) + "np.savez_compressed(os.path.join(out, 'f.npz'), **arrays)\n");
    std::string bytes = readFile(dir.filePath("f.npz"));
    const std::size_t at = bytes.find("features.npy") + 40; // inside its compressed data
    ASSERT_LT(at, bytes.size());
    for (int i = 0; i < 8; ++i)
        bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(~bytes[at + static_cast<std::size_t>(i)]);
    writeFile(dir.filePath("bad.npz"), bytes);
    const std::string message = readError(dir.filePath("bad.npz"), {"features"});
    EXPECT_TRUE(contains(message, "array 'features'")) << message;
}

// ---- hostile files made byte by byte ----

TEST(NpyHostile, truncatedDataNamesFileAndArray)
{
    TempDir dir;
    const std::string folder = folderWith(dir, "features", npy(dictOf("<f4", "(4,)"), std::string(12, '\0')));
    const std::string message = readError(folder, {"features"});
    EXPECT_TRUE(contains(message, "'" + folder + "/features.npy'")) << message;
    EXPECT_TRUE(contains(message, "array 'features'")) << message;
    EXPECT_TRUE(contains(message, "truncated")) << message;

    // The same inside a .npz (stored), and a file cut inside its header.
    const std::string npz = dir.filePath("t.npz");
    writeZip(npz, {{"features.npy", npy(dictOf("<f4", "(4,)"), std::string(12, '\0'))}});
    EXPECT_TRUE(contains(readError(npz, {"features"}), "truncated"));
    writeZip(npz, {{"features.npy", npy(dictOf("<f4", "(4,)")).substr(0, 30)}}, true);
    EXPECT_TRUE(contains(readError(npz, {"features"}), "truncated"));
}

TEST(NpyHostile, dataBeyondTheShapeIsAnError)
{
    TempDir dir;
    const std::string folder = folderWith(dir, "x", npy(dictOf("<f4", "(2,)"), std::string(12, '\0')));
    EXPECT_TRUE(contains(readError(folder, {"x"}), "describes 8"));
    const std::string npz = dir.filePath("t.npz");
    writeZip(npz, {{"x.npy", npy(dictOf("<f4", "(2,)"), std::string(12, '\0'))}}, true);
    EXPECT_TRUE(contains(readError(npz, {"x"}), "describes 8"));
}

// A header claiming 4 TiB of float32 is refused against the file's size, at once and without
// allocating, even when the cap would allow it.
TEST(NpyHostile, hugeShapeIsRefusedWithoutAllocating)
{
    TempDir dir;
    const std::string bytes = npy(dictOf("<f4", "(1099511627776,)"), std::string(64, '\0'));
    const std::string folder = folderWith(dir, "x", bytes);
    const std::string npz = dir.filePath("h.npz");
    writeZip(npz, {{"x.npy", bytes}});
    const std::string npzDeflated = dir.filePath("hd.npz");
    writeZip(npzDeflated, {{"x.npy", bytes}}, true);
    for (const std::string& path : {folder, npz, npzDeflated}) {
        std::string message;
        long growth = 0;
        const double seconds = secondsFor([&] {
            growth = peakGrowthKb([&] { message = readError(path, {"x"}, std::numeric_limits<std::uint64_t>::max()); });
        });
        EXPECT_TRUE(contains(message, "truncated")) << message;
        EXPECT_TRUE(contains(message, "array 'x'")) << message;
        EXPECT_LT(seconds, 1.0) << path;
        EXPECT_LT(growth, 8 * 1024) << path;
    }
    // Under a cap, the cap speaks first.
    const std::string message = readError(folder, {"x"}, 1000);
    EXPECT_TRUE(contains(message, "4398046511104 bytes, more than the 1000 allowed")) << message;
}

TEST(NpyHostile, capCountsDecodedBytes)
{
    TempDir dir;
    // 100 bytes of uint8 decode to 800 bytes of int64; 100 one-byte strings to 100 std::strings.
    const std::string folder = folderWith(dir, "u", npy(dictOf("|u1", "(100,)"), std::string(100, '\1')));
    EXPECT_TRUE(contains(readError(folder, {"u"}, 500), "more than the 500 allowed"));
    EXPECT_EQ(readNpyArrays(folder, {"u"}, 800).at("u").ints.size(), 100u);
    writeText(dir.filePath("arrays/s.npy"), npy(dictOf("|S1", "(100,)"), std::string(100, 'a')));
    const std::size_t decoded = 100 * (sizeof(std::string) + 1);
    EXPECT_TRUE(contains(readError(folder, {"s"}, decoded - 1), "more than the"));
    EXPECT_EQ(readNpyArrays(folder, {"s"}, decoded).at("s").strings, std::vector<std::string>(100, "a"));
}

TEST(NpyHostile, shapeProductOverflowIsAnError)
{
    TempDir dir;
    const std::string folder = folderWith(dir, "x", npy(dictOf("<f4", "(4294967296, 4294967296, 4294967296)")));
    EXPECT_TRUE(contains(readError(folder, {"x"}), "more elements than can be counted"));
    writeText(dir.filePath("arrays/y.npy"), npy(dictOf("<f8", "(4611686018427387904,)")));
    EXPECT_TRUE(contains(readError(folder, {"y"}), "more bytes than can be counted"));
    // A zero dimension makes any other harmless.
    writeText(dir.filePath("arrays/z.npy"), npy(dictOf("<f4", "(0, 9223372036854775807)")));
    const auto a = readNpyArrays(folder, {"z"}, kCap);
    EXPECT_EQ(a.at("z").shape, (std::vector<std::size_t>{0, 9223372036854775807ULL}));
    EXPECT_TRUE(a.at("z").floats.empty());
}

struct BadHeader {
    const char* tag;
    std::string dict;
    const char* expected;
};

void PrintTo(const BadHeader& h, std::ostream* os)
{
    *os << h.tag;
}

class NpyBadHeader : public ::testing::TestWithParam<BadHeader> {};

TEST_P(NpyBadHeader, isAnErrorNamingFileAndArray)
{
    TempDir dir;
    const std::string folder = folderWith(dir, "x", npy(GetParam().dict, std::string(64, '\0')));
    const std::string message = readError(folder, {"x"});
    EXPECT_TRUE(contains(message, "cannot read '" + folder + "/x.npy': array 'x': ")) << message;
    EXPECT_TRUE(contains(message, GetParam().expected)) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Npy, NpyBadHeader,
    ::testing::Values(
        BadHeader{"no brace", "'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "expected '{'"},
        BadHeader{"no closing brace", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ",
                  "expected a quoted key"},
        BadHeader{"missing shape", "{'descr': '<f4', 'fortran_order': False, }", "no 'shape' key"},
        BadHeader{"missing descr", "{'fortran_order': False, 'shape': (2,), }", "no 'descr' key"},
        BadHeader{"extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }",
                  "unexpected key 'x'"},
        BadHeader{"repeated key", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                  "given twice"},
        BadHeader{"unquoted key", "{descr: '<f4', 'fortran_order': False, 'shape': (2,), }", "expected a quoted key"},
        BadHeader{"no colon", "{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }", "expected ':'"},
        BadHeader{"no comma", "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", "expected ',' or '}'"},
        BadHeader{"shape list", "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", "a list, not a tuple"},
        BadHeader{"shape not a tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "not a tuple"},
        BadHeader{"shape expression", "{'descr': '<f4', 'fortran_order': False, 'shape': (2*3,), }", "expected ','"},
        BadHeader{"shape float", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", "expected ','"},
        BadHeader{"shape string", "{'descr': '<f4', 'fortran_order': False, 'shape': '(2,)', }", "expected '('"},
        BadHeader{"negative dimension", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "negative"},
        BadHeader{"dimension beyond 2^63",
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,), }", "beyond 2^63"},
        BadHeader{"too many dimensions",
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (" + join(std::vector<std::string>(65, "1"), ",") +
                      "), }",
                  "more than 64 dimensions"},
        BadHeader{"unterminated shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,",
                  "expected a dimension"},
        BadHeader{"unterminated string", "{'descr': '<f4", "unterminated string"},
        BadHeader{"escape", "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }", "escape"},
        BadHeader{"non-ASCII", "{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': (2,), }", "non-ASCII"},
        BadHeader{"fortran_order not a bool", "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "True or False"},
        BadHeader{"fortran_order lower case", "{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }",
                  "True or False"},
        BadHeader{"text after the dict", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x",
                  "text after the closing"},
        BadHeader{"two dicts", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }{}", "text after the closing"},
        BadHeader{"empty", "", "expected '{'"},
        BadHeader{"complex dtype", dictOf("<c8", "(2,)"), "dtype '<c8' is not supported"},
        BadHeader{"datetime dtype", dictOf("<M8[s]", "(2,)"), "is not supported"},
        BadHeader{"long double", dictOf("<f16", "(2,)"), "is not supported"},
        BadHeader{"float without size", dictOf("<f", "(2,)"), "is not supported"},
        BadHeader{"no byte order for floats", dictOf("|f4", "(2,)"), "only for single bytes"},
        BadHeader{"huge string width", dictOf("<U999999999", "(2,)"), "are not read"},
        BadHeader{"strings of no width", dictOf("<U0", "(2,)"), "no width"},
        BadHeader{"bytes of no width", dictOf("|S0", "(2,)"), "no width"},
        BadHeader{"structured dtype", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                  "structured"},
        BadHeader{"pickle", dictOf("|O", "(2,)"), "pickle"},
        BadHeader{"big-endian int", dictOf(">i8", "(2,)"), "big-endian"},
        BadHeader{"big-endian str", dictOf(">U3", "(2,)"), "big-endian"},
        BadHeader{"fortran order", dictOf("<f4", "(2, 3)", "True"), "np.ascontiguousarray"}),
    [](const ::testing::TestParamInfo<BadHeader>& info) { return paramName(info.param.tag); });

TEST(NpyHostile, goodHeaderSpellingsAreRead)
{
    TempDir dir;
    const std::string data = bytesOf(std::vector<float>{1, 2});
    const std::string folder = folderWith(dir, "a", npy(dictOf("<f4", "(2,)"), data));
    writeText(dir.filePath("arrays/b.npy"),
              npy("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"=f4\"}", data));
    writeText(dir.filePath("arrays/c.npy"), npy("{'descr':'<f4','fortran_order':True,'shape':(2,)}", data, 2));
    writeText(dir.filePath("arrays/d.npy"), npy(dictOf("<f4", "(1, 2)", "True"), data, 3));
    writeText(dir.filePath("arrays/e.npy"), npy(dictOf(">u1", "(2,)"), "\1\2"));
    writeText(dir.filePath("arrays/f.npy"),
              npy(dictOf("<U2", "(1,)"), bytesOf(std::vector<std::uint32_t>{0x1F642, 0})));
    const auto a = readNpyArrays(folder, {"a", "b", "c", "d", "e", "f"}, kCap);
    ASSERT_EQ(a.size(), 6u);
    for (const char* name : {"a", "b", "c", "d"})
        EXPECT_EQ(a.at(name).floats, (std::vector<float>{1, 2})) << name;
    EXPECT_EQ(a.at("e").ints, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(a.at("f").strings, std::vector<std::string>{"🙂"});
}

TEST(NpyHostile, badPreamblesAreErrors)
{
    TempDir dir;
    const std::string good = npy(dictOf("<f4", "(1,)"), std::string(4, '\0'));
    std::string badMagic = good;
    badMagic[1] = 'n';
    std::string version4 = good;
    version4[6] = 4;
    std::string version11 = good;
    version11[7] = 1;
    std::string longHeader = good;
    longHeader[8] = '\x60';
    longHeader[9] = '\xea'; // 60000
    std::string v2Huge = npy(dictOf("<f4", "(1,)"), std::string(4, '\0'), 2);
    v2Huge[8] = v2Huge[9] = v2Huge[10] = v2Huge[11] = '\xff';
    const std::vector<std::pair<std::string, std::string>> cases = {
        {badMagic, "\\x93NUMPY"},
        {version4, "version 4.0"},
        {version11, "version 1.1"},
        {longHeader, "60000 bytes, more than the 10000 allowed"},
        {v2Huge, "more than the 10000 allowed"},
        {good.substr(0, 5), "\\x93NUMPY"},
        {good.substr(0, 9), "truncated"},
        {good.substr(0, 20), "truncated"},
        {std::string(), "\\x93NUMPY"},
    };
    for (const auto& [bytes, expected] : cases) {
        const std::string folder = folderWith(dir, "x", bytes);
        const std::string message = readError(folder, {"x"});
        EXPECT_TRUE(contains(message, "array 'x'")) << message;
        EXPECT_TRUE(contains(message, expected)) << message << " (expected " << expected << ")";
    }
}

TEST(NpyHostile, aFileThatIsNotAZipArchive)
{
    TempDir dir;
    const std::string file = dir.filePath("features.npz");
    writeText(file, "features,logits\n1,2\n");
    std::string message = readError(file, {"features"});
    EXPECT_TRUE(contains(message, "cannot read '" + file + "'")) << message;
    EXPECT_TRUE(contains(message, "not a .npz archive")) << message;
    // A lone .npy given as the .npz.
    writeText(file, npy(dictOf("<f4", "(1,)"), std::string(4, '\0')));
    EXPECT_TRUE(contains(readError(file, {"features"}), "not a .npz archive"));
    writeText(file, "");
    EXPECT_TRUE(contains(readError(file, {"features"}), "empty"));
    // Only the end of a real archive.
    std::vector<float> v(64, 1.0f);
    writeNpz(file, {{"features", {64}, v.data()}});
    const std::string bytes = readFile(file);
    writeFile(file, bytes.substr(bytes.size() / 2));
    EXPECT_TRUE(contains(readError(file, {"features"}), "cannot read '" + file + "'"));
}

TEST(NpyHostile, specialFilesAreRefusedWithoutBlocking)
{
    TempDir dir;
    const std::string fifo = dir.filePath("f.npz");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string message;
    EXPECT_LT(secondsFor([&] { message = readError(fifo, {"features"}); }), 2.0);
    EXPECT_TRUE(contains(message, "FIFO")) << message;
    std::filesystem::create_directories(dir.filePath("d"));
    ASSERT_EQ(::mkfifo(dir.filePath("d/features.npy").c_str(), 0600), 0);
    EXPECT_TRUE(contains(readError(dir.filePath("d"), {"features"}), "FIFO"));
    std::filesystem::create_directories(dir.filePath("d/logits.npy"));
    EXPECT_TRUE(contains(readError(dir.filePath("d"), {"logits"}), "folder"));
}

TEST(NpyHostile, missingArraysAreAbsentAndAMissingFileIsAnError)
{
    TempDir dir;
    std::filesystem::create_directories(dir.filePath("empty"));
    EXPECT_TRUE(readNpyArrays(dir.filePath("empty"), {"features", "logits"}, kCap).empty());
    const std::vector<float> v = {1};
    writeNpz(dir.filePath("f.npz"), {{"logits", {1}, v.data()}});
    const auto a = readNpyArrays(dir.filePath("f.npz"), {"features", "logits", "logits"}, kCap);
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(a.count("logits"), 1u);
    EXPECT_TRUE(readNpyArrays(dir.filePath("f.npz"), {}, kCap).empty());
    const std::string missing = dir.filePath("missing.npz");
    EXPECT_TRUE(contains(readError(missing, {"features"}), "cannot read '" + missing + "'"));
    EXPECT_THROW(readNpyArrays(dir.filePath("f.npz"), {"../etc"}, kCap), std::invalid_argument);
    EXPECT_THROW(readNpyArrays(dir.filePath("f.npz"), {""}, kCap), std::invalid_argument);
}

TEST(NpyHostile, invalidUtf32IsAnError)
{
    TempDir dir;
    const std::string folder =
        folderWith(dir, "p", npy(dictOf("<U1", "(2,)"), bytesOf(std::vector<std::uint32_t>{0x41, 0xD800})));
    EXPECT_TRUE(contains(readError(folder, {"p"}), "index 1 holds 0xd800"));
    writeText(dir.filePath("arrays/q.npy"), npy(dictOf("<U1", "(1,)"), bytesOf(std::vector<std::uint32_t>{0x110000})));
    EXPECT_TRUE(contains(readError(folder, {"q"}), "not a Unicode character"));
}

// Every cut and every flipped byte of a small archive, stored and deflated: each read ends in
// arrays or in an Error, never a crash (AddressSanitizer watches) or another exception.
TEST(NpyHostile, cutAndFlippedArchivesNeverCrash)
{
    TempDir dir;
    const std::vector<float> f = {1, 2, 3, 4, 5, 6};
    const std::vector<std::int64_t> l = {1, 2};
    const std::vector<std::string> p = {"a.png", "ü.png"};
    const std::string ours = dir.filePath("ours.npz");
    writeNpz(
        ours,
        {{"features", {2, 3}, f.data()}, {"labels", {2}, nullptr, l.data()}, {"paths", {2}, nullptr, nullptr, &p}});
    const std::string deflated = dir.filePath("deflated.npz");
    writeZip(deflated,
             {{"features.npy", npy(dictOf("<f4", "(2, 3)"), bytesOf(f))},
              {"paths.npy", npy(dictOf("<U5", "(2,)"), bytesOf(std::vector<std::uint32_t>(10, 0x61)))}},
             true);
    const std::string victim = dir.filePath("v.npz");
    int errors = 0, reads = 0;
    for (const std::string& source : {ours, deflated}) {
        const std::string bytes = readFile(source);
        ASSERT_FALSE(bytes.empty());
        const auto attempt = [&](const std::string& damaged) {
            writeFile(victim, damaged);
            try {
                readNpyArrays(victim, {"features", "labels", "paths"}, 1 << 20);
                ++reads;
            } catch (const Error&) {
                ++errors;
            } catch (const std::exception& e) {
                ADD_FAILURE() << "not an oodlens::Error: " << e.what();
            }
        };
        for (std::size_t cut = 0; cut < bytes.size(); ++cut)
            attempt(bytes.substr(0, cut));
        for (std::size_t at = 0; at < bytes.size(); ++at) {
            std::string damaged = bytes;
            damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
            attempt(damaged);
        }
    }
    EXPECT_GT(errors, 0);
    EXPECT_GT(reads, 0); // flips in names' padding or timestamps change nothing
}
