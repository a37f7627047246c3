// SPDX-License-Identifier: GPL-3.0-or-later
// Output files under failure: a set of files is written as a whole (a folder never mixes two
// runs), the system's reason is kept in messages ("...: Success" was printed), and names are
// escaped for LaTeX and Markdown.
#include "common/Error.h"
#include "io/Export.h"
#include "io/TextEscape.h"

#include "TestSupport.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>

#include <sys/resource.h>

using namespace oodlens;
using namespace oodlens::test;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> folder(const std::string& dir)
{
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
        files[e.path().filename().string()] = e.is_regular_file() ? readFile(e.path().string()) : "<dir>";
    return files;
}

// Files larger than `bytes` cannot be written while this lives (what a full disk does to a write),
// with SIGXFSZ ignored so that the write fails with EFBIG instead of killing the process.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        getrlimit(RLIMIT_FSIZE, &old_);
        oldHandler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit l = old_;
        l.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &l);
    }
    ~FileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &old_);
        std::signal(SIGXFSZ, oldHandler_);
    }

private:
    rlimit old_{};
    void (*oldHandler_)(int) = nullptr;
};

OutputFiles threeFiles(const std::string& tag, std::size_t bigSize = 10)
{
    OutputFiles f;
    f.add("a.csv", "a " + tag + "\n");
    f.add("b.json", std::string(bigSize, 'b') + tag + "\n");
    f.add("c.tex", "c " + tag + "\n");
    return f;
}

} // namespace

// One file that cannot be replaced left the folder mixing two runs.
TEST(Export, aSetIsWrittenWholeOrNotAtAll)
{
    TempDir dir;
    threeFiles("old").commit(dir.path());
    const auto before = folder(dir.path());
    ASSERT_EQ(before.size(), 3u);

    // A target that is a folder: refused before anything is replaced.
    fs::create_directory(dir.filePath("d.md"));
    OutputFiles withDir = threeFiles("new");
    withDir.add("d.md", "d");
    try {
        withDir.commit(dir.path());
        FAIL() << "a folder in the way was replaced";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), dir.filePath("d.md"))) << e.what();
        EXPECT_TRUE(contains(e.what(), "not a file")) << e.what();
    }
    auto after = folder(dir.path());
    after.erase("d.md");
    EXPECT_EQ(after, before);

    // A full disk on the second file: nothing replaced, no temporary left.
    fs::remove(dir.filePath("d.md"));
    {
        const FileSizeLimit limit(64 * 1024);
        try {
            threeFiles("new", 256 * 1024).commit(dir.path());
            FAIL() << "a file over the limit was written";
        } catch (const Error& e) {
            EXPECT_TRUE(contains(e.what(), dir.filePath("b.json"))) << e.what();
            EXPECT_TRUE(contains(e.what(), std::strerror(EFBIG))) << e.what();
            EXPECT_FALSE(contains(e.what(), "Success")) << e.what();
        }
    }
    EXPECT_EQ(folder(dir.path()), before);

    // And then the whole new set.
    threeFiles("new").commit(dir.path());
    const auto fresh = folder(dir.path());
    ASSERT_EQ(fresh.size(), 3u);
    for (const auto& [name, content] : fresh)
        EXPECT_TRUE(contains(content, "new")) << name;
}

// fs::remove(tmp, ec) ran before ec.message() was read: a failed rename said "Success".
TEST(Export, aFailedRenameSaysWhy)
{
    TempDir dir;
    fs::create_directories(dir.filePath("target/inside"));
    try {
        writeFileAtomic(dir.filePath("target"), "text");
        FAIL() << "a folder was replaced by a file";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_TRUE(contains(m, dir.filePath("target"))) << m;
        EXPECT_FALSE(contains(m, "Success")) << m;
        EXPECT_TRUE(contains(m, std::strerror(EISDIR)) || contains(m, std::strerror(ENOTEMPTY)) ||
                    contains(m, std::strerror(EEXIST)))
            << m;
    }
    EXPECT_EQ(folder(dir.path()).size(), 1u); // no temporary left
    try {
        writeFileAtomic(dir.filePath("missing/x.csv"), "text");
        FAIL();
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), std::strerror(ENOENT))) << e.what();
    }
}

TEST(Export, checkOutputFolderFailsBeforeAnyWork)
{
    TempDir dir;
    ASSERT_TRUE(writeFile(dir.filePath("file"), "x"));
    EXPECT_THROW(checkOutputFolder(dir.filePath("file/out")), Error); // under a file
    fs::create_directories(dir.filePath("out/run.json"));
    try {
        checkOutputFolder(dir.filePath("out"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "run.json")) << e.what();
    }
    checkOutputFolder(dir.filePath("new/deeper")); // created
    EXPECT_TRUE(fs::is_directory(dir.filePath("new/deeper")));
    EXPECT_TRUE(folder(dir.filePath("new/deeper")).empty()); // its probe is gone
}

// Names were written raw into metrics.tex and metrics.md.
TEST(Export, namesAreEscapedForLatexAndMarkdown)
{
    EXPECT_EQ(latexText("a_b&c%d$e#f{g}h"), "a\\_b\\&c\\%d\\$e\\#f\\{g\\}h");
    EXPECT_EQ(latexText("x\\y~z^w"), "x\\textbackslash{}y\\textasciitilde{}z\\textasciicircum{}w");
    EXPECT_EQ(latexText("two\nlines"), "two lines");
    EXPECT_EQ(latexText("caf\xE9"), "caf\xEF\xBF\xBD");
    EXPECT_EQ(markdownCell("a|b"), "a\\|b");
    EXPECT_EQ(markdownCell("||h||_1 x *MSP*"), "\\|\\|h\\|\\|\\_1 x \\*MSP\\*");
    EXPECT_EQ(markdownCell("<b>[x]`y`\\"), "\\<b\\>\\[x\\]\\`y\\`\\\\");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("caf\xE9"), "caf\xEF\xBF\xBD");

    MetricsRow row;
    row.method = "msp";
    row.label = "MSP";
    row.ood = "far|set_1 & 50%";
    const std::string md = metricsMarkdown({row});
    const std::string line = split(md, '\n')[2];
    // A row with its cells intact: as many unescaped pipes as the header line.
    auto pipes = [](const std::string& s) {
        int n = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            n += s[i] == '|' && (i == 0 || s[i - 1] != '\\');
        return n;
    };
    EXPECT_EQ(pipes(line), pipes(split(md, '\n')[0])) << md;
    EXPECT_TRUE(contains(metricsLatex({row}), "far|set\\_1 \\& 50\\%")) << metricsLatex({row});
}
