// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/ShortcutsDialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace oodlens::ui {

namespace {

QString plainText(const QAction* action)
{
    QString text = action->text();
    text.remove(QStringLiteral("\u2026"));
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QLatin1Char('\x01'), QLatin1Char('&'));
    return text.trimmed();
}

QString keysOf(const QAction* action)
{
    QStringList keys;
    for (const QKeySequence& k : action->shortcuts())
        if (!k.isEmpty())
            keys << k.toString(QKeySequence::NativeText);
    return keys.join(QStringLiteral(", "));
}

void collectMenu(const QMenu* menu, const QString& where, QVector<ShortcutEntry>& out, QSet<const QAction*>& seen)
{
    for (const QAction* action : menu->actions()) {
        if (action->isSeparator())
            continue;
        if (const QMenu* sub = action->menu()) {
            collectMenu(sub, where + QStringLiteral(" \u203a ") + plainText(action), out, seen);
            continue;
        }
        if (seen.contains(action) || action->shortcuts().isEmpty())
            continue;
        seen.insert(action);
        out.push_back({where, plainText(action), keysOf(action), action});
    }
}

// Where an action outside the menus works: the dock (or other window) of the widget it belongs to.
QString placeOf(const QAction* action, const QMainWindow* window)
{
    for (QObject* o : action->associatedObjects())
        for (auto* w = qobject_cast<QWidget*>(o); w && w != window; w = w->parentWidget())
            if (auto* dock = qobject_cast<QDockWidget*>(w))
                return dock->windowTitle();
    return ShortcutsDialog::tr("Window");
}

} // namespace

QVector<ShortcutEntry> collectShortcuts(const QMainWindow* window)
{
    QVector<ShortcutEntry> out;
    QSet<const QAction*> seen;
    if (const QMenuBar* bar = window->menuBar())
        for (const QAction* top : bar->actions())
            if (const QMenu* menu = top->menu())
                collectMenu(menu, plainText(top), out, seen);
    for (const QAction* action : window->findChildren<QAction*>()) {
        if (seen.contains(action) || action->isSeparator() || action->menu() || action->shortcuts().isEmpty())
            continue;
        seen.insert(action);
        out.push_back({placeOf(action, window), plainText(action), keysOf(action), action});
    }
    return out;
}

ShortcutsDialog::ShortcutsDialog(const QMainWindow* window, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard shortcuts"));
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(2);
    tree_->setHeaderLabels({tr("Action"), tr("Keys")});
    tree_->setRootIsDecorated(false);
    tree_->setSelectionMode(QAbstractItemView::NoSelection);
    tree_->setFocusPolicy(Qt::NoFocus);

    QTreeWidgetItem* group = nullptr;
    auto heading = [this](const QString& title) {
        auto* item = new QTreeWidgetItem(tree_, {title});
        QFont f = item->font(0);
        f.setBold(true);
        item->setFont(0, f);
        item->setFirstColumnSpanned(true);
        return item;
    };
    for (const ShortcutEntry& e : collectShortcuts(window)) {
        if (!group || group->text(0) != e.where)
            group = heading(e.where);
        new QTreeWidgetItem(tree_, {e.action, e.keys});
    }
    // The views' own keys and gestures (no action behind them).
    heading(tr("In the views"));
    const std::pair<QString, QString> gestures[] = {
        {tr("Gallery: next / previous image"), tr("Arrow keys")},
        {tr("Gallery: first / last image"), tr("Home, End")},
        {tr("Gallery: a page further"), tr("Page Up, Page Down")},
        {tr("Gallery: select several images"), tr("Ctrl+click, Shift+click, Shift+arrows")},
        {tr("Histogram: move the threshold"), tr("drag the dashed line, or Shift+click")},
        {tr("ROC / PR: read threshold, TPR, FPR, precision"), tr("hover the curve")},
        {tr("ROC / PR: set the threshold there"), tr("click the curve")},
    };
    for (const auto& [what, keys] : gestures)
        new QTreeWidgetItem(tree_, {what, keys});
    tree_->resizeColumnToContents(0);
    tree_->header()->setStretchLastSection(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tree_);
    layout->addWidget(buttons);
    resize(520, 560);
}

} // namespace oodlens::ui
