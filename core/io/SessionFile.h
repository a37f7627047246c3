// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <optional>
#include <string>
#include <vector>

namespace oodlens {

// A saved session (".oodlens" JSON, format version 1): the model, the datasets with their roles
// (and an OOD set's optional "group"),
// the methods and their parameters, preprocessing overrides, batch size and device, and the view
// settings of the GUI. Reopening it with the feature cache in place shows everything without
// running the model again; `oodlens-cli score --session FILE` scores it.
//
// Every value read is checked with the command line's rules (run/Options.h): a bad channel count,
// std, batch size, bin count or threshold is an Error naming the file and the field.
struct SessionFile {
    RunConfig config; // model, datasets, methods, params, preprocessing, batch, device (cacheDir and
                      // threads are not saved: a loaded config has the defaults)
    // View settings.
    std::string currentMethod;       // "" = none saved
    std::optional<double> threshold; // in currentMethod's units; absent when none was set
    bool logCounts = false;
    bool density = false;
    int bins = 0; // 0 = automatic
    bool overlayMethods = false;

    // JSON text of the session (format version 1).
    std::string toJson() const;
    // Parses a session; throws Error naming `source` (and the field) on malformed content.
    static SessionFile fromJson(const std::string& text, const std::string& source);

    // Writes the session atomically (a crash never leaves half a file). Throws Error.
    void write(const std::string& path) const;
    // Reads a session file. Throws Error naming the file when it cannot be read or parsed.
    static SessionFile read(const std::string& path);

    // The model and dataset paths that do not exist on this machine.
    std::vector<std::string> missingFiles() const;
};

} // namespace oodlens
