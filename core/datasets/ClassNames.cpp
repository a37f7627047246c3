// SPDX-License-Identifier: GPL-3.0-or-later
#include "datasets/ClassNames.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"
#include "io/Json.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

std::string trimmed(const std::string& s)
{
    std::size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        --e;
    return s.substr(b, e - b);
}

// The content of a file no bigger than kMaxClassNamesFileBytes. Throws Error naming it.
std::string readSmallFile(const std::string& path)
{
    return readRegularFile(path, kMaxClassNamesFileBytes, "cannot read class names from");
}

std::string countText(std::size_t n)
{
    return std::to_string(n) + (n == 1 ? " name" : " names");
}

} // namespace

void checkClassName(const std::string& name, const std::string& where)
{
    if (name.size() > kMaxClassNameBytes)
        throw Error(where + ": class name of " + std::to_string(name.size()) + " bytes (at most " +
                    std::to_string(kMaxClassNameBytes) + ")");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            throw Error(where + ": class name contains a control character (byte " + std::to_string(int(c)) + ")");
}

std::vector<std::string> readClassNamesFile(const std::string& path)
{
    const std::string text = readSmallFile(path);
    std::vector<std::string> names;
    std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    int line = 0;
    int firstBlank = 0; // first blank line since the last name
    while (i < text.size()) {
        const std::size_t end = std::min(text.find('\n', i), text.size());
        std::string name = text.substr(i, end - i);
        i = end + 1;
        ++line;
        if (!name.empty() && name.back() == '\r')
            name.pop_back();
        name = trimmed(name);
        const std::string where = "'" + path + "', line " + std::to_string(line);
        if (name.empty()) {
            if (!firstBlank)
                firstBlank = line;
            continue;
        }
        if (firstBlank && !names.empty())
            throw Error(where + ": line " + std::to_string(firstBlank) +
                        " is blank; every line before the last name must name a class (line N names class N-1)");
        if (firstBlank && names.empty())
            throw Error(where + ": the file starts with a blank line; line N names class N-1, so line 1 must "
                                "name class 0");
        firstBlank = 0;
        checkClassName(name, where);
        if (names.size() == kMaxClassNames)
            throw Error(where + ": more than " + std::to_string(kMaxClassNames) + " class names");
        names.push_back(std::move(name));
    }
    if (names.empty())
        throw Error("cannot read class names from '" + path + "': the file names no class (expected one name per line)");
    return names;
}

ModelClassNames findModelClassNames(const std::string& modelPath, const std::string& sidecarPath, int classes)
{
    ModelClassNames out;
    std::vector<std::string> names;
    try {
        if (!sidecarPath.empty()) {
            const Json sidecar = Json::parse(readSmallFile(sidecarPath), "'" + sidecarPath + "'");
            if (sidecar.has("classes")) {
                out.source = sidecarPath;
                const Json& list = sidecar.get("classes");
                if (!list.isArray())
                    throw Error("'" + sidecarPath + "': \"classes\" must be an array of names");
                if (list.items().size() > kMaxClassNames)
                    throw Error("'" + sidecarPath + "': more than " + std::to_string(kMaxClassNames) +
                                " class names");
                for (std::size_t k = 0; k < list.items().size(); ++k) {
                    const Json& v = list.items()[k];
                    const std::string where = "'" + sidecarPath + "', \"classes\"[" + std::to_string(k) + "]";
                    if (!v.isString())
                        throw Error(where + ": class names must be strings");
                    checkClassName(v.string(), where);
                    names.push_back(v.string());
                }
            }
        }
        if (out.source.empty()) {
            const fs::path file = fs::path(modelPath).parent_path() / "classes.txt";
            std::error_code ec;
            if (fs::exists(file, ec)) {
                out.source = file.string();
                names = readClassNamesFile(file.string());
            }
        }
    } catch (const Error& e) {
        out.warning = std::string(e.what()) + "; the model's classes are shown by number";
        return out;
    }
    if (out.source.empty())
        return out;
    if (classes > 0 && names.size() != static_cast<std::size_t>(classes)) {
        out.warning = "class names in '" + out.source + "' not used: it lists " + countText(names.size()) +
                      " but the model has " + std::to_string(classes) + " classes";
        return out;
    }
    out.names = std::move(names);
    return out;
}

} // namespace oodlens
