// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodsPanel.h"

#include "docks/MethodListWidget.h"
#include "docks/MethodParamsEditor.h"
#include "workspace/Workspace.h"

namespace oodlens::ui {

MethodsPanel::MethodsPanel(Workspace* workspace, QWidget* parent)
    : QSplitter(Qt::Vertical, parent), workspace_(workspace), list_(new MethodListWidget(this)),
      params_(new MethodParamsEditor(this))
{
    setObjectName(QStringLiteral("methodsSplitter"));
    addWidget(list_);
    addWidget(params_);
    setStretchFactor(0, 4);
    setStretchFactor(1, 1);

    connect(list_, &MethodListWidget::currentMethodChanged, workspace_, &Workspace::setCurrentMethod);
    connect(list_, &MethodListWidget::checkedMethodsChanged, this, [this]() {
        if (!following_)
            pushChecked();
    });
    connect(params_, &MethodParamsEditor::paramChanged, workspace_, &Workspace::setParam);

    connect(workspace_, &Workspace::configChanged, this, &MethodsPanel::followConfig);
    connect(workspace_, &Workspace::currentMethodChanged, this, [this](const QString& id) {
        list_->setCurrentMethod(id);
        params_->setMethod(id, workspace_->config().params);
    });
    connect(workspace_, &Workspace::resultChanged, this, [this]() {
        if (const RunResultPtr r = workspace_->result())
            list_->setScoredMethods(r->methods);
        params_->setMethod(workspace_->currentMethod(), workspace_->config().params);
    });
    followConfig();
    params_->setMethod(workspace_->currentMethod(), workspace_->config().params);
}

void MethodsPanel::followConfig()
{
    const RunConfig& config = workspace_->config();
    following_ = true;
    list_->setFitSetAvailable(config.hasRole(DatasetRole::Fit));
    list_->setParams(config.params);
    if (config.methods != known_) {
        known_ = config.methods;
        list_->setCheckedMethods(config.methods);
    }
    following_ = false;
    // Methods the list cannot score now (no fit set) are not the Workspace's either.
    pushChecked();
}

void MethodsPanel::pushChecked()
{
    known_ = list_->checkedMethods();
    workspace_->setMethods(known_);
}

} // namespace oodlens::ui
