// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"

#include <QString>
#include <QWidget>

class QFormLayout;
class QLabel;
class QPushButton;

namespace oodlens::ui {

class Workspace;

// The model of the analysis: its file and what the engine found in it, as `oodlens-cli info`
// prints it (classes, feature dimension, head, where the features come from, the input shape and
// where it came from, the sidecar), once it is known: the model was opened and checked
// (RunController::openModel) or a run loaded it. Follows the Workspace's modelInfo().
class ModelPanel : public QWidget {
    Q_OBJECT

public:
    explicit ModelPanel(Workspace* workspace, QWidget* parent = nullptr);

    // The value shown in row `field` ("Classes", "Feature dim", "Head", ...).
    QString field(const QString& name) const;

signals:
    void openRequested();

private:
    // A model chosen but not loaded yet: shows the path, clears the details.
    void setModelPath(const QString& path);
    void setInfo(const ModelInfo& info);
    void setField(const QString& name, const QString& value);

    QLabel* path_;
    QFormLayout* form_;
    QPushButton* open_;
};

} // namespace oodlens::ui
