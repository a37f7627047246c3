// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON reader and writer under bad input: linear parsing of many keys, RFC 8259 numbers only
// (no NaN or infinity reaches a reader), and text that is always valid UTF-8, checked against
// Python's json module and its UTF-8 decoder.
#include "common/Error.h"
#include "io/Json.h"

#include "RunProcess.h"
#include "TestSupport.h"

#include <chrono>
#include <cmath>

using namespace oodlens;
using namespace oodlens::test;

namespace {

std::string objectWithKeys(std::size_t n)
{
    std::string text = "{";
    for (std::size_t i = 0; i < n; ++i)
        text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    return text + "}";
}

double secondsToParse(const std::string& text)
{
    const auto start = std::chrono::steady_clock::now();
    const Json j = Json::parse(text);
    EXPECT_TRUE(j.isObject());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

// A sidecar with 200,000 keys took 32 s (every member was looked up by a linear scan).
TEST(Json, manyKeysParseInLinearTime)
{
    const std::string big = objectWithKeys(200000);
    const double seconds = secondsToParse(big);
    EXPECT_LT(seconds, 2.0) << "200,000 keys";
    const Json j = Json::parse(big);
    ASSERT_EQ(j.members().size(), 200000u);
    for (std::size_t i = 0; i < 200000; i += 7919)
        EXPECT_EQ(j.get("k" + std::to_string(i)).number(), double(i));
    EXPECT_TRUE(j.get("k200000").isNull());
    EXPECT_TRUE(j.has("k199999"));
    EXPECT_FALSE(j.has("nope"));
}

TEST(Json, repeatedKeyKeepsTheLastValueInTheFirstPlace)
{
    const Json j = Json::parse(R"({"a": 1, "b": 2, "a": 3})");
    ASSERT_EQ(j.members().size(), 2u);
    EXPECT_EQ(j.members()[0].first, "a");
    EXPECT_EQ(j.get("a").number(), 3);
    Json o = Json::object();
    o.set("x", 1);
    o.set("y", 2);
    o.set("x", 5);
    EXPECT_EQ(o.dump(0), R"({"x":5,"y":2})");
}

// strtod took "nan", "inf", hex and a leading '+': a sidecar's `input: [nan, ...]` then reached a
// float-to-int cast.
TEST(Json, numbersFollowRfc8259)
{
    for (const char* bad : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "infinity", "0x10", "+1",
                            "01", "1.", ".5", "-", "1e", "1e+", "--1", "1e999", "-1e999", "1" "0000000000000000"
                            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                            "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                            "0000000000000000000000000000000000000000000"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW(Json::parse(std::string("[") + bad + "]", "s.json"), Error);
    }
    try {
        Json::parse("{\"input\": [nan, 28, 28]}", "'m.json'");
        FAIL() << "nan accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "'m.json'")) << e.what();
    }
    EXPECT_EQ(Json::parse("[0]").items()[0].number(), 0);
    EXPECT_EQ(Json::parse("[-0.5e2]").items()[0].number(), -50);
    EXPECT_EQ(Json::parse("[1E+2]").items()[0].number(), 100);
    EXPECT_EQ(Json::parse("[12.25e-1]").items()[0].number(), 1.225);
    EXPECT_EQ(Json::parse("[1e-400]").items()[0].number(), 0); // too small for a double: 0
    EXPECT_EQ(Json::parse("[0.5e308]").items()[0].number(), 0.5e308);
    EXPECT_THROW(Json::parse("[0.5e309]"), Error);
    EXPECT_EQ(Json::parse("[1.7976931348623157e308]").items()[0].number(), 1.7976931348623157e308);
}

TEST(Json, loneSurrogateEscapesBecomeReplacementCharacters)
{
    EXPECT_EQ(Json::parse(R"(["\ud83d\ude00"])").items()[0].string(), "\xF0\x9F\x98\x80");
    EXPECT_EQ(Json::parse(R"(["\ud83dx"])").items()[0].string(), "\xEF\xBF\xBDx");
    EXPECT_EQ(Json::parse(R"(["\ud83d\u0041"])").items()[0].string(), "\xEF\xBF\xBD" "A");
    EXPECT_EQ(Json::parse(R"(["\ude00"])").items()[0].string(), "\xEF\xBF\xBD");
}

// Python's bytes.decode("utf-8", errors="replace") is the reference for what validUtf8 makes of
// every kind of invalid sequence.
TEST(Json, invalidUtf8IsReplacedAsPythonDoes)
{
    const std::vector<std::string> cases = {
        "plain ascii",
        "caf\xC3\xA9",                 // valid 2-byte
        "\xE2\x82\xAC \xF0\x9F\x98\x80", // valid 3- and 4-byte
        "bad\xFFname",                 // a byte that never starts a sequence
        "latin1 caf\xE9.png",          // Latin-1 file name
        "\xC0\xAF",                    // overlong '/'
        "\xE0\x80\xAF",                // overlong, 3 bytes
        "\xED\xA0\x80",                // a surrogate
        "\xF4\x90\x80\x80",            // above U+10FFFF
        "\xE2\x82",                    // truncated 3-byte at the end
        "\xE2\x82x",                   // truncated in the middle
        "\xF0\x9F\x98",                // truncated 4-byte
        "\x80\x80\x80",                // lone continuation bytes
        "\xF5\xF8\xFC\xFE",            // never valid leads
    };
    TempDir dir;
    std::string hexLines;
    for (const std::string& c : cases) {
        for (unsigned char b : c) {
            char buf[3];
            std::snprintf(buf, sizeof buf, "%02x", b);
            hexLines += buf;
        }
        hexLines += "\n";
    }
    const std::string input = dir.filePath("cases.txt");
    ASSERT_TRUE(writeFile(input, hexLines));
    const ProcessResult py = runProcess(
        "/usr/bin/python3",
        {"-c", "import sys\nfor line in open(sys.argv[1]):\n"
               "    print(bytes.fromhex(line.strip()).decode('utf-8', 'replace').encode('utf-8').hex())",
         input});
    ASSERT_EQ(py.exitCode, 0) << py.err;
    const std::vector<std::string> expected = split(py.out, '\n', true);
    ASSERT_EQ(expected.size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        std::string hex;
        for (unsigned char b : validUtf8(cases[i])) {
            char buf[3];
            std::snprintf(buf, sizeof buf, "%02x", b);
            hex += buf;
        }
        EXPECT_EQ(hex, expected[i]) << "case " << i;
    }
}

// A file name in another encoding made run.json and metrics.json invalid JSON.
TEST(Json, dumpIsValidUtf8ThatPythonReads)
{
    Json doc = Json::object();
    doc.set("name", "caf\xE9\xFF.png");
    doc.set("ctl", std::string("a\x01\x7F" "b", 4));
    doc.set("ok", "\xE2\x82\xAC");
    doc.set("bad\xC0key", 1);
    TempDir dir;
    const std::string path = dir.filePath("doc.json");
    ASSERT_TRUE(writeFile(path, doc.dump()));
    const ProcessResult py = runProcess(
        "/usr/bin/python3",
        {"-c", "import json,sys\nd=json.loads(open(sys.argv[1],'rb').read().decode('utf-8'))\n"
               "print(d['name'].encode('unicode_escape').decode(), d['ok'].encode('unicode_escape').decode(),\n"
               "      [k.encode('unicode_escape').decode() for k in d if k.startswith('bad')][0],\n"
               "      d['ctl'].encode('unicode_escape').decode())",
         path});
    ASSERT_EQ(py.exitCode, 0) << py.err;
    EXPECT_EQ(trimmed(py.out), "caf\\ufffd\\ufffd.png \\u20ac bad\\ufffdkey a\\x01\\x7fb");
}

TEST(Json, utf16TextIsNamedAndAUtf8MarkIsSkipped)
{
    const std::string utf16("\xFF\xFE{\0}\0", 6);
    try {
        Json::parse(utf16, "'s.oodlens'");
        FAIL() << "UTF-16 accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "UTF-16")) << e.what();
        EXPECT_TRUE(contains(e.what(), "'s.oodlens'")) << e.what();
    }
    EXPECT_THROW(Json::parse(std::string("{\0\"\0}\0", 6)), Error);
    EXPECT_TRUE(Json::parse("\xEF\xBB\xBF{\"a\": 1}").isObject());
}
