// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QDialog>
#include <QString>
#include <QVector>

class QAction;
class QMainWindow;
class QTreeWidget;

namespace oodlens::ui {

// One keyboard shortcut of the window: where the action is found (its menu, or the panel it
// belongs to), its text and its keys.
struct ShortcutEntry {
    QString where;
    QString action;
    QString keys;
    const QAction* source = nullptr;
};

// Every action of `window` that has a shortcut, read from the actions themselves (menus first, in
// menu order, then any other action of the window's children, e.g. a panel's Copy), so that the
// list cannot go stale when an action or its keys change.
QVector<ShortcutEntry> collectShortcuts(const QMainWindow* window);

// Help > Shortcuts: collectShortcuts() grouped by menu, then the keys and gestures of the views
// (gallery navigation, the histogram's threshold line, reading the curves), which are not actions.
class ShortcutsDialog : public QDialog {
    Q_OBJECT

public:
    explicit ShortcutsDialog(const QMainWindow* window, QWidget* parent = nullptr);

    QTreeWidget* tree() const { return tree_; }

private:
    QTreeWidget* tree_;
};

} // namespace oodlens::ui
