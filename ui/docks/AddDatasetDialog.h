// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <QDialog>

class QComboBox;
class QLineEdit;

namespace oodlens::ui {

// Asks for one dataset: its path (a folder or a file, see the README's table of kinds), its role
// (ID test, OOD, fit) and, for OOD sets, the name shown on plots.
class AddDatasetDialog : public QDialog {
    Q_OBJECT

public:
    explicit AddDatasetDialog(bool hasIdSet, QWidget* parent = nullptr);

    DatasetSpec spec() const;

private:
    QLineEdit* path_;
    QLineEdit* name_;
    QComboBox* role_;
};

} // namespace oodlens::ui
