// SPDX-License-Identifier: GPL-3.0-or-later
// Small helpers shared by the GoogleTest suites of the core and the CLI: a temporary folder, text
// and file utilities, and the floating-point comparison the tests were written against.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace oodlens::test {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it when the object goes.
class TempDir {
public:
    TempDir()
    {
        const char* base = std::getenv("TMPDIR");
        std::string templ = std::string(base && *base ? base : "/tmp") + "/oodlens-test-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data()))
            throw std::runtime_error("cannot create a temporary folder from " + templ);
        path_ = buf.data();
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string filePath(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline bool contains(const std::string& s, const std::string& part)
{
    return s.find(part) != std::string::npos;
}
inline bool startsWith(const std::string& s, const std::string& prefix)
{
    return s.rfind(prefix, 0) == 0;
}
inline bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Non-overlapping occurrences of `part` in `s`.
inline int countOf(const std::string& s, const std::string& part)
{
    int n = 0;
    for (std::size_t at = s.find(part); !part.empty() && at != std::string::npos; at = s.find(part, at + part.size()))
        ++n;
    return n;
}

// Splits on every `sep`, keeping empty fields (QString::split's default); skipEmpty drops them.
inline std::vector<std::string> split(const std::string& s, char sep, bool skipEmpty = false)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = s.find(sep, start);
        std::string field = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!skipEmpty || !field.empty())
            parts.push_back(std::move(field));
        if (end == std::string::npos)
            return parts;
        start = end + 1;
    }
}

inline std::string join(const std::vector<std::string>& parts, const std::string& sep)
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? sep : std::string()) + parts[i];
    return out;
}

inline std::string trimmed(const std::string& s)
{
    const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    const auto b = std::find_if_not(s.begin(), s.end(), space);
    const auto e = std::find_if_not(s.rbegin(), s.rend(), space).base();
    return b < e ? std::string(b, e) : std::string();
}

// Parses the whole of `s` as a number (QString::toDouble's contract); `ok` says whether it was one.
inline double toDouble(const std::string& s, bool* ok = nullptr)
{
    const std::string t = trimmed(s);
    char* end = nullptr;
    const double v = t.empty() ? 0.0 : std::strtod(t.c_str(), &end);
    const bool good = !t.empty() && end == t.c_str() + t.size();
    if (ok)
        *ok = good;
    return good ? v : 0.0;
}

// The file's bytes, or an empty string when it cannot be read.
inline std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return bool(out);
}

// Writes `bytes` / `text` to `path`, creating its folders (test inputs in nested layouts).
inline void writeBytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
inline void writeText(const std::filesystem::path& path, const std::string& text)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The file's lines without the trailing empty one; empty when the file cannot be read.
inline std::vector<std::string> readLines(const std::string& path)
{
    std::vector<std::string> lines = split(readFile(path), '\n');
    if (!lines.empty() && lines.back().empty())
        lines.pop_back();
    return lines;
}

// A data-row tag ("all, descending") as a GoogleTest parameter name ("all_descending").
inline std::string paramName(const std::string& tag)
{
    std::string out;
    for (unsigned char c : tag) {
        if (std::isalnum(c))
            out += static_cast<char>(c);
        else if (!out.empty() && out.back() != '_')
            out += '_';
    }
    while (!out.empty() && out.back() == '_')
        out.pop_back();
    return out.empty() ? "row" : out;
}

// Qt Test's QCOMPARE rule for floating point, which these tests were first written against: equal to
// about 12 significant digits for double (5 for float); an expected value within 1e-12 (1e-5) of zero
// asks for an actual value that close to zero; NaN equals NaN; infinities compare by sign.
template <typename T> bool fuzzyEqual(T actual, T expected)
{
    static_assert(std::is_floating_point_v<T>, "fuzzyEqual compares floating-point values");
    constexpr bool isDouble = sizeof(T) >= sizeof(double);
    const T nullBound = isDouble ? T(1e-12) : T(1e-5);
    const T relative = isDouble ? T(1e12) : T(1e5);
    if (std::isnan(expected))
        return std::isnan(actual);
    if (std::isinf(expected))
        return std::isinf(actual) && (actual < 0) == (expected < 0);
    if (std::abs(expected) <= nullBound)
        return std::abs(actual) <= nullBound;
    return std::abs(actual - expected) * relative <= std::min(std::abs(actual), std::abs(expected));
}

template <typename A, typename E>
::testing::AssertionResult fuzzyEqualFormat(const char* actualExpr, const char* expectedExpr, A actual, E expected)
{
    using T = std::common_type_t<A, E>;
    if (fuzzyEqual<T>(static_cast<T>(actual), static_cast<T>(expected)))
        return ::testing::AssertionSuccess();
    std::ostringstream msg;
    msg.precision(std::is_same_v<T, float> ? 9 : 17);
    msg << actualExpr << " and " << expectedExpr << " differ:\n  actual:   " << actual << "\n  expected: " << expected;
    return ::testing::AssertionFailure() << msg.str();
}

} // namespace oodlens::test

#define EXPECT_FUZZY_EQ(actual, expected) EXPECT_PRED_FORMAT2(::oodlens::test::fuzzyEqualFormat, actual, expected)
#define ASSERT_FUZZY_EQ(actual, expected) ASSERT_PRED_FORMAT2(::oodlens::test::fuzzyEqualFormat, actual, expected)
