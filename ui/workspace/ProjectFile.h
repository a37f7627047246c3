// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace oodlens::ui {

// A saved analysis session (".oodlens" JSON): the model, the datasets with their roles, the
// methods and their parameters, the threshold and the view settings. Reopening it with the
// feature cache in place shows everything without running the model again.
struct Project {
    RunConfig config; // model, datasets, methods, params, preprocessing overrides
    QString currentMethod;
    std::optional<double> threshold; // in currentMethod's units
    bool logCounts = false;
    bool density = false;
    int bins = 0; // 0 = automatic
    bool overlayMethods = false;
};

// JSON text of a project (format version 1).
QByteArray projectToJson(const Project& project);
// Parses a project; throws oodlens::Error with a message naming `source` on malformed content.
Project projectFromJson(const QByteArray& json, const QString& source);

// Writes the project atomically (QSaveFile: a crash never leaves half a file). Throws Error.
void saveProject(const QString& path, const Project& project);
// Reads a project file. Throws Error naming the file when it cannot be read or parsed.
Project loadProject(const QString& path);
// The model and dataset paths of a project that do not exist on this machine.
QStringList missingFiles(const Project& project);

} // namespace oodlens::ui
