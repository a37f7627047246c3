// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/RunConfig.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <string>
#include <vector>

class QAction;
class QMenu;
class QSpinBox;
class QWidget;

namespace oodlens {
struct SessionFile;
}

namespace oodlens::ui {

class RunController;
class Workspace;

// The view settings a session file keeps besides the Workspace (the window's View menu and the
// histogram's bin count).
struct ViewControls {
    QAction* logCounts = nullptr;
    QAction* density = nullptr;
    QAction* overlay = nullptr;
    QSpinBox* bins = nullptr;
};

// What comes into the window: session files (open, save, save as, recent files), a model file,
// datasets (the Add dataset dialog) and dropped files. Edits go to the Workspace under core's
// dataset rules; a session opened replaces the Workspace's analysis and starts its run.
// Outcomes are reported through `status`; dialogs open over `window`.
class SessionActions : public QObject {
    Q_OBJECT

public:
    // `defaultMethods` are scored when a session names none; `persistRecent` keeps the recent
    // files in the settings.
    SessionActions(Workspace* workspace, RunController* run, ViewControls view, std::vector<std::string> defaultMethods,
                   bool persistRecent, QWidget* window);

    // The "Open recent" menu this keeps filled.
    void setRecentMenu(QMenu* menu);

    // Sessions: save (atomically) and open. False with the reason in `status`.
    bool saveSession(const QString& path);
    bool openSession(const QString& path);
    // Why the last openSession() has nothing to run: the file could not be read (false was
    // returned), or its model is missing (the analysis is open, but no run was started). Empty
    // when its run started.
    QString openProblem() const { return openProblem_; }
    SessionFile currentProject() const;
    QString sessionPath() const { return sessionPath_; }

    // Opens a model: loaded and checked on the worker thread (RunController::openModel); a
    // refused file leaves the previous model.
    void setModelPath(const QString& path);
    // Unsaved edits (Workspace::isModified): asks whether to save them first. True when the caller
    // may go on (saved, discarded, or nothing to save); false when the user cancelled.
    bool maybeSave();
    // What maybeSave asks, replaceable for tests: returns QMessageBox::Save, Discard or Cancel.
    std::function<int()> askToSave;
    // Adds a dataset (RunConfig::addDataset's rules); false (status says why) when refused.
    bool addDataset(const DatasetSpec& spec);
    // A session file opens, a model file becomes the model, anything else (folders, dataset
    // files) becomes a dataset: the ID set when there is none, else an OOD set.
    void addDroppedPaths(const QStringList& paths);

public Q_SLOTS:
    void openModelDialog();
    void addDatasetDialog();
    void openSessionDialog();
    // Save asks for a file only the first time; Save as always does.
    bool save();
    bool saveAs();

Q_SIGNALS:
    void status(const QString& text, bool error, const QString& details);

private:
    bool saveDialog(bool forceAsk);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    // Sets up the analysis (the window's factory) before an edit, else starts from an empty one.
    void ensureConfig();

    Workspace* workspace_;
    RunController* run_;
    ViewControls view_;
    std::vector<std::string> defaultMethods_;
    bool persistRecent_;
    QWidget* window_;
    QMenu* recentMenu_ = nullptr;
    QString sessionPath_;
    QString openProblem_;
};

} // namespace oodlens::ui
