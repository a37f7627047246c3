// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QSplitter>

#include <string>
#include <vector>

namespace oodlens::ui {

class MethodListWidget;
class MethodParamsEditor;
class Workspace;

// The Methods dock: the grouped, checkable method list above the current method's parameters,
// a view and editor of the Workspace's checked methods, current method and parameters. A click
// makes a method current, a check box edits the methods the next run scores, a parameter edit
// goes to the Workspace (which rescores); the list follows the Workspace, whoever changed it.
// Methods that need a fit set are disabled while the analysis has none, and the Workspace's
// methods leave them out until one is added.
class MethodsPanel : public QSplitter {
    Q_OBJECT

public:
    explicit MethodsPanel(Workspace* workspace, QWidget* parent = nullptr);

    MethodListWidget* list() const { return list_; }
    MethodParamsEditor* paramsEditor() const { return params_; }

private:
    void followConfig();
    void pushChecked();

    Workspace* workspace_;
    MethodListWidget* list_;
    MethodParamsEditor* params_;
    // The methods this panel last took from, or gave to, the Workspace: a difference is an edit
    // from elsewhere (a session, the demo), to be shown.
    std::vector<std::string> known_;
    bool following_ = false;
};

} // namespace oodlens::ui
