// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QDialog>

class QCheckBox;
class QSpinBox;

namespace oodlens::ui {

// Asks how many images a contact sheet holds (remembered in Settings), in how many columns, and
// whether it carries a title line (not by default: a paper has its caption).
class ContactSheetDialog : public QDialog {
    Q_OBJECT

public:
    explicit ContactSheetDialog(int available, QWidget* parent = nullptr);

    int count() const;
    int columns() const; // 0: automatic
    bool title() const;
    // Stores the count for next time.
    void remember() const;

private:
    QSpinBox* count_;
    QSpinBox* columns_;
    QCheckBox* title_;
};

} // namespace oodlens::ui
