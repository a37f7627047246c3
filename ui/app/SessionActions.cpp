// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/SessionActions.h"

#include "common/Error.h"
#include "docks/AddDatasetDialog.h"
#include "docks/DatasetsPanel.h"
#include "io/SessionFile.h"
#include "methods/Scores.h"
#include "workspace/RunController.h"
#include "workspace/Settings.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSpinBox>

#include <limits>

namespace oodlens::ui {

namespace {

bool isModelFile(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ptl") ||
           suffix == QLatin1String("torchscript");
}

bool isSessionFile(const QString& path)
{
    return QFileInfo(path).suffix().toLower() == QLatin1String("oodlens");
}

} // namespace

SessionActions::SessionActions(Workspace* workspace, RunController* run, ViewControls view,
                               std::vector<std::string> defaultMethods, bool persistRecent, QWidget* window)
    : QObject(window), workspace_(workspace), run_(run), view_(view), defaultMethods_(std::move(defaultMethods)),
      persistRecent_(persistRecent), window_(window)
{
    askToSave = [this]() {
        return QMessageBox::question(window_, tr("Unsaved changes"),
                                     tr("The analysis has changes that are not saved in a session. Save them first?"),
                                     QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    };
    connect(run_, &RunController::modelOpened, this, [this](const QString& path) { rememberRecent(path); });
}

bool SessionActions::maybeSave()
{
    if (!workspace_->isModified())
        return true;
    switch (askToSave ? askToSave() : int(QMessageBox::Discard)) {
    case QMessageBox::Save: return save();
    case QMessageBox::Discard: return true;
    default: return false;
    }
}

void SessionActions::setRecentMenu(QMenu* menu)
{
    recentMenu_ = menu;
    rebuildRecentMenu();
}

// --- Sessions --------------------------------------------------------------------------------------

SessionFile SessionActions::currentProject() const
{
    SessionFile p;
    p.config = workspace_->config();
    p.currentMethod = workspace_->currentMethod().toStdString();
    if (workspace_->result())
        p.threshold = workspace_->threshold();
    p.logCounts = view_.logCounts->isChecked();
    p.density = view_.density->isChecked();
    p.bins = view_.bins->value();
    p.overlayMethods = view_.overlay->isChecked();
    return p;
}

bool SessionActions::saveSession(const QString& path)
{
    try {
        currentProject().write(path.toStdString());
    } catch (const Error& e) {
        emit status(QString::fromStdString(e.what()), true, QString());
        return false;
    }
    sessionPath_ = path;
    workspace_->setModified(false);
    rememberRecent(path);
    emit status(tr("Saved the session to %1").arg(path), false, QString());
    return true;
}

bool SessionActions::openSession(const QString& path)
{
    openProblem_.clear();
    if (run_->isRunning()) {
        openProblem_ = tr("Cancel the running analysis before opening a session");
        emit status(openProblem_, true, QString());
        return false;
    }
    SessionFile p;
    try {
        p = SessionFile::read(QFile::encodeName(path).toStdString());
    } catch (const Error& e) {
        openProblem_ = QString::fromStdString(e.what());
        emit status(openProblem_, true, QString());
        return false;
    }
    QStringList missing;
    for (const std::string& file : p.missingFiles())
        missing << QString::fromStdString(file);
    RunConfig config = p.config;
    config.cacheDir = RunConfig().cacheDir;
    // A session without methods (hand-written) scores the default panel.
    if (config.methods.empty())
        config.methods = defaultMethods_;
    // The previous analysis's result goes first, so that nothing rescores it with the new config.
    workspace_->setResult(nullptr);
    workspace_->setConfig(std::move(config));
    if (!p.currentMethod.empty() && findMethod(p.currentMethod))
        workspace_->setCurrentMethod(QString::fromStdString(p.currentMethod));
    view_.logCounts->setChecked(p.logCounts);
    view_.density->setChecked(p.density);
    view_.bins->setValue(p.bins);
    view_.overlay->setChecked(p.overlayMethods);
    workspace_->setPendingThreshold(p.threshold ? *p.threshold : std::numeric_limits<double>::quiet_NaN());
    sessionPath_ = path;
    rememberRecent(path);
    // Nothing to run without the model; missing datasets fail beside their row, the others run.
    const QString model = QString::fromStdString(workspace_->config().modelPath);
    if (!missing.contains(model)) {
        if (!run_->startRun())
            openProblem_ = tr("cannot start the analysis of session '%1'").arg(path);
    } else
        openProblem_ = tr("cannot run session '%1': its model '%2' is missing").arg(path, model);
    if (!missing.isEmpty())
        emit status(tr("Opened %1, but these files are missing: %2")
                        .arg(QFileInfo(path).fileName(), missing.join(QStringLiteral(", "))),
                    true, QString());
    return true;
}

void SessionActions::openSessionDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(window_, tr("Open session"), QString(), tr("OOD Lens sessions (*.oodlens)"));
    if (!path.isEmpty() && maybeSave())
        openSession(path);
}

bool SessionActions::save()
{
    return saveDialog(false);
}

bool SessionActions::saveAs()
{
    return saveDialog(true);
}

bool SessionActions::saveDialog(bool forceAsk)
{
    QString path = sessionPath_;
    if (path.isEmpty() || forceAsk)
        path = QFileDialog::getSaveFileName(window_, tr("Save session"), path, tr("OOD Lens sessions (*.oodlens)"));
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".oodlens");
    return saveSession(path);
}

void SessionActions::rememberRecent(const QString& path)
{
    if (!persistRecent_)
        return;
    Settings().addRecentFile(QFileInfo(path).absoluteFilePath());
    rebuildRecentMenu();
}

void SessionActions::rebuildRecentMenu()
{
    if (!recentMenu_)
        return;
    recentMenu_->clear();
    const QStringList files = persistRecent_ ? Settings().recentFiles() : QStringList();
    for (const QString& f : files)
        recentMenu_
            ->addAction(QFileInfo(f).fileName(), this,
                        [this, f]() {
                            if (isSessionFile(f)) {
                                if (maybeSave())
                                    openSession(f);
                            }
                            else
                                setModelPath(f);
                        })
            ->setToolTip(f);
    recentMenu_->setEnabled(!files.isEmpty());
}

// --- Model and datasets ----------------------------------------------------------------------------

void SessionActions::ensureConfig()
{
    try {
        run_->ensureConfig();
    } catch (const Error&) {
        // An empty analysis: the edit starts it.
    }
}

void SessionActions::setModelPath(const QString& path)
{
    ensureConfig();
    run_->openModel(path);
}

bool SessionActions::addDataset(const DatasetSpec& spec)
{
    if (spec.path.empty()) {
        emit status(tr("Cannot add a dataset without a path"), true, QString());
        return false;
    }
    ensureConfig();
    const DatasetAddition added = workspace_->addDataset(spec);
    if (!added.added) {
        emit status(QString::fromStdString(added.refusal), false, QString());
        return false;
    }
    const QString what =
        tr("Added %1 (%2)").arg(DatasetsPanel::displayName(added.spec), QString::fromLatin1(datasetRoleName(added.spec.role)));
    if (!run_->isRunning() && !(run_->hasRun() && run_->autoRun()))
        emit status(tr("%1: press Ctrl+R to extract and score it").arg(what), false, QString());
    return true;
}

void SessionActions::addDroppedPaths(const QStringList& paths)
{
    for (const QString& path : paths) {
        if (isSessionFile(path)) {
            if (maybeSave())
                openSession(path);
            return;
        }
        if (isModelFile(path)) {
            setModelPath(path);
            continue;
        }
        ensureConfig();
        DatasetSpec spec;
        spec.path = path.toStdString();
        spec.role = workspace_->config().hasRole(DatasetRole::Id) ? DatasetRole::Ood : DatasetRole::Id;
        addDataset(spec);
    }
}

void SessionActions::openModelDialog()
{
    const QString path = QFileDialog::getOpenFileName(window_, tr("Open model"), QString(),
                                                      tr("TorchScript models (*.pt *.pth *.ptl *.torchscript);;"
                                                         "All files (*)"));
    if (!path.isEmpty())
        setModelPath(path);
}

void SessionActions::addDatasetDialog()
{
    AddDatasetDialog dialog(workspace_->config().hasRole(DatasetRole::Id), window_);
    if (dialog.exec() == QDialog::Accepted)
        addDataset(dialog.spec());
}

} // namespace oodlens::ui
