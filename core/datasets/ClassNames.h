// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Class-name lists: the names of a model's classes (what its predictions index) and of a dataset's
// labels. Read from files users write by hand, so every list is bounded and checked.
#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

// Bounds on any class-name list (classes.txt, a sidecar's "classes", a CSV's label_name column,
// CIFAR meta files): more names, longer names or a bigger file are refused with a message.
constexpr std::size_t kMaxClassNames = 100000;
constexpr std::size_t kMaxClassNameBytes = 1024;
constexpr std::size_t kMaxClassNamesFileBytes = 16u << 20;

// Checks one name read from `where` ("'classes.txt', line 3"): not longer than kMaxClassNameBytes
// and without control characters (tabs included). An empty name is allowed (it means "unnamed").
// Throws Error naming `where`.
void checkClassName(const std::string& name, const std::string& where);

// Reads a class list file: one name per line, line i naming class i (UTF-8, optional byte order
// mark, LF or CRLF line ends, spaces and tabs around a name trimmed). Blank lines at the end are
// ignored; a blank line before the last name is refused, since it would shift every name after it.
// Throws Error naming the file and line on anything else that is wrong (missing, too big, too many
// lines, a line too long, a control character, no name at all).
std::vector<std::string> readClassNamesFile(const std::string& path);

// The class names of a model, and where they came from.
struct ModelClassNames {
    std::vector<std::string> names; // one per model class; empty when none was found or it was refused
    std::string source;             // the file the names came from, empty when none
    std::string warning;            // why a list that was found is not used (names the file), else empty
};

// Finds the names of a model's `classes` classes. Precedence: the sidecar's "classes" array (the
// sidecar is `sidecarPath`, empty when the model has none; see Classifier), else `classes.txt` in
// the model's folder. The first list found is the one used: a list that cannot be read, or whose
// length differs from `classes`, is refused (names stay empty) with a warning naming the file and
// both counts; it never falls through to the next source, so the file the user wrote is the one
// they hear about.
ModelClassNames findModelClassNames(const std::string& modelPath, const std::string& sidecarPath, int classes);

} // namespace oodlens
