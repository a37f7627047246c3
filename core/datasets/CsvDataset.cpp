// SPDX-License-Identifier: GPL-3.0-or-later
// CSV file lists: one `path[,label]` record per line, with label names from a `label_name` column.
#include "datasets/internal/DatasetKinds.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"
#include "datasets/ClassNames.h"
#include "datasets/internal/FileListDataset.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

struct Record {
    int line = 0; // 1-based line where the record starts
    std::vector<std::string> fields;
};

[[noreturn]] void fail(const std::string& path, int line, const std::string& problem)
{
    throw Error("cannot read CSV file '" + path + "'" + (line > 0 ? ", line " + std::to_string(line) : std::string()) +
                ": " + problem);
}

std::string trimmed(const std::string& s)
{
    std::size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        --e;
    return s.substr(b, e - b);
}

// RFC 4180 records: fields separated by commas, optionally in double quotes (a doubled quote
// inside stands for one; quoted fields may hold commas and line breaks). Unquoted fields are
// trimmed of spaces and tabs. Blank lines are skipped. Lines end with LF, CRLF or CR.
std::vector<Record> parseCsv(const std::string& text, const std::string& path)
{
    std::vector<Record> records;
    std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; // UTF-8 byte order mark
    int line = 1;
    const std::size_t n = text.size();
    auto atLineEnd = [&](std::size_t k) { return k >= n || text[k] == '\n' || text[k] == '\r'; };
    while (i < n) {
        Record rec;
        rec.line = line;
        bool quotedAny = false;
        for (;;) {
            std::string field;
            // Leading blanks before an opening quote are allowed.
            std::size_t k = i;
            while (k < n && (text[k] == ' ' || text[k] == '\t'))
                ++k;
            if (k < n && text[k] == '"') {
                quotedAny = true;
                const int startLine = line;
                i = k + 1;
                for (;;) {
                    if (i >= n)
                        fail(path, startLine, "unterminated quoted field");
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (c == '\n' || (c == '\r' && (i + 1 >= n || text[i + 1] != '\n')))
                        ++line;
                    field += c;
                    ++i;
                }
                while (i < n && (text[i] == ' ' || text[i] == '\t'))
                    ++i;
                if (!atLineEnd(i) && text[i] != ',')
                    fail(path, line, "unexpected text after a closing quote");
            } else {
                while (!atLineEnd(i) && text[i] != ',')
                    field += text[i++];
                field = trimmed(field);
            }
            rec.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
                continue;
            }
            break;
        }
        if (i < n) {
            // At a line end: CRLF, LF or CR.
            if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')
                i += 2;
            else
                ++i;
            ++line;
        }
        const bool blank = !quotedAny && rec.fields.size() == 1 && rec.fields[0].empty();
        if (!blank)
            records.push_back(std::move(rec));
    }
    return records;
}

bool parseInt(const std::string& s, long& value)
{
    if (s.empty())
        return false;
    std::size_t k = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (k == s.size())
        return false;
    for (std::size_t j = k; j < s.size(); ++j)
        if (!std::isdigit(static_cast<unsigned char>(s[j])))
            return false;
    errno = 0;
    value = std::strtol(s.c_str(), nullptr, 10);
    return errno == 0 && value >= INT_MIN && value <= INT_MAX;
}

bool equalsIgnoringCase(const std::string& a, const char* b)
{
    const std::size_t len = std::strlen(b);
    if (a.size() != len)
        return false;
    for (std::size_t k = 0; k < len; ++k)
        if (std::tolower(static_cast<unsigned char>(a[k])) != std::tolower(static_cast<unsigned char>(b[k])))
            return false;
    return true;
}

// A header names its path column: any other first line is data (a first line whose label is not a
// number is an error naming the line, not a header that silently drops an image).
bool isHeader(const Record& r)
{
    for (const char* name : {"path", "file", "filename", "filepath", "image", "image_path"})
        if (equalsIgnoringCase(r.fields[0], name))
            return true;
    return false;
}

// Files larger than this are no list of images (a million lines of 256 bytes).
constexpr std::uint64_t kMaxCsvBytes = 256ull << 20;

} // namespace

std::unique_ptr<Dataset> openCsvDataset(const std::string& path, const DatasetOptions& options)
{
    const std::vector<Record> records = parseCsv(readRegularFile(path, kMaxCsvBytes, "cannot read CSV file"), path);

    const fs::path dir = fs::path(path).parent_path();
    const bool header = !records.empty() && isHeader(records[0]);
    // The label-name column, found by its header after the path and label columns.
    std::size_t nameColumn = 0;
    if (header)
        for (std::size_t c = 2; c < records[0].fields.size(); ++c)
            if (equalsIgnoringCase(records[0].fields[c], "label_name"))
                nameColumn = c;
    std::vector<std::string> names;
    std::vector<int> namedAt; // line that named each label, 0 for none
    std::vector<ImageFileItem> items;
    items.reserve(records.size());
    for (std::size_t r = header ? 1 : 0; r < records.size(); ++r) {
        const Record& rec = records[r];
        if (rec.fields[0].empty())
            fail(path, rec.line, "empty path");
        int label = -1;
        if (rec.fields.size() >= 2 && !rec.fields[1].empty()) {
            long v = 0;
            if (!parseInt(rec.fields[1], v))
                fail(path, rec.line,
                     "label '" + rec.fields[1] + "' is not an integer" +
                         (r == 0 ? std::string(" (a header line starts with path, file, filename, filepath, image or "
                                               "image_path)")
                                 : std::string()));
            if (v < -1)
                fail(path, rec.line, "label " + rec.fields[1] + " is negative (-1 means unlabelled)");
            label = static_cast<int>(v);
        }
        if (nameColumn > 0 && nameColumn < rec.fields.size() && !rec.fields[nameColumn].empty()) {
            const std::string& name = rec.fields[nameColumn];
            const std::string where = "cannot read CSV file '" + path + "', line " + std::to_string(rec.line);
            if (label < 0)
                fail(path, rec.line, "label_name '" + name + "' on a line without a label (names belong to labels)");
            if (static_cast<std::size_t>(label) >= kMaxClassNames)
                fail(path, rec.line, "label " + std::to_string(label) + " is too large for a label_name column (at most " +
                                         std::to_string(kMaxClassNames) + " classes)");
            checkClassName(name, where);
            if (names.size() <= static_cast<std::size_t>(label)) {
                names.resize(static_cast<std::size_t>(label) + 1);
                namedAt.resize(names.size(), 0);
            }
            std::string& known = names[static_cast<std::size_t>(label)];
            if (namedAt[static_cast<std::size_t>(label)] && known != name)
                fail(path, rec.line, "label " + std::to_string(label) + " is named '" + name + "' here but '" + known +
                                         "' on line " + std::to_string(namedAt[static_cast<std::size_t>(label)]));
            if (!namedAt[static_cast<std::size_t>(label)]) {
                known = name;
                namedAt[static_cast<std::size_t>(label)] = rec.line;
            }
        }
        const fs::path p(rec.fields[0]);
        items.push_back({(p.is_absolute() ? p : dir / p).lexically_normal().string(), label});
    }
    if (items.empty())
        fail(path, 0, "lists no image (expected lines of path[,label])");
    return std::make_unique<FileListDataset>("csv", path, dir.empty() ? std::string(".") : dir.string(),
                                             std::move(items), std::move(names), options.maxPixels);
}

} // namespace oodlens
