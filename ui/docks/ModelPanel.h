// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "model/Classifier.h"

#include <QString>
#include <QWidget>

class QFormLayout;
class QLabel;
class QPushButton;

namespace oodlens::ui {

// The model of the analysis: its file, and once a run has loaded it, what the engine found in
// it (classes, feature dimension, head, where the features come from, the sidecar).
class ModelPanel : public QWidget {
    Q_OBJECT

public:
    explicit ModelPanel(QWidget* parent = nullptr);

    // A model chosen but not loaded yet: shows the path, clears the details.
    void setModelPath(const QString& path);
    void setInfo(const ModelInfo& info);
    // The value shown in row `field` ("Classes", "Feature dim", "Head", ...).
    QString field(const QString& name) const;

signals:
    void openRequested();

private:
    void setField(const QString& name, const QString& value);

    QLabel* path_;
    QFormLayout* form_;
    QPushButton* open_;
};

} // namespace oodlens::ui
