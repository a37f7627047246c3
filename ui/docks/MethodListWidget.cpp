// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodListWidget.h"

#include "docks/MethodLabels.h"
#include "methods/Scores.h"

#include <QFont>
#include <QSignalBlocker>

#include <algorithm>

namespace oodlens::ui {

namespace {

bool needsFit(const QString& id)
{
    const MethodInfo* info = findMethod(id.toStdString());
    return info && info->has(NeedsFitSet);
}

} // namespace

MethodListWidget::MethodListWidget(QWidget* parent) : QListWidget(parent)
{
    setObjectName(QStringLiteral("methodList"));
    setSelectionMode(QAbstractItemView::SingleSelection);
    setUniformItemSizes(false);
    connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* current) {
        const QString id = current ? current->data(MethodIdRole).toString() : QString();
        if (id.isEmpty() || id == lastEmitted_)
            return;
        lastEmitted_ = id;
        emit currentMethodChanged(id);
    });
    connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (item->data(MethodIdRole).toString().isEmpty())
            return;
        restyle();
        emit checkedMethodsChanged();
    });

    const QSignalBlocker block(this);
    for (MethodGroup group : methodGroups()) {
        auto* header = new QListWidgetItem(methodGroupHeading(group), this);
        header->setFlags(Qt::NoItemFlags);
        QFont font = header->font();
        font.setBold(true);
        header->setFont(font);
        // Not selectable, but not greyed out either: it is a heading, not a disabled choice.
        header->setForeground(palette().brush(QPalette::WindowText));
        header->setToolTip(tr(methodGroupHelp(group)));
        for (const MethodInfo& info : methodRegistry()) {
            if (info.group != group)
                continue;
            auto* item = new QListWidgetItem(methodDisplayLabel(info.id), this);
            item->setData(MethodIdRole, QString::fromStdString(info.id));
            item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Unchecked);
            QString tip = QStringLiteral("<b>%1</b> (<code>%2</code>)<br>%3")
                              .arg(QString::fromStdString(info.label).toHtmlEscaped(),
                                   QString::fromStdString(info.id).toHtmlEscaped(),
                                   QString::fromStdString(info.formula).toHtmlEscaped());
            if (info.has(NeedsAutograd))
                tip += tr("<br><i>Per-sample autograd: slow by design, kept to check the closed form.</i>");
            if (info.has(NeedsFitSet))
                tip += tr("<br><i>Needs a fit set (an ID training set): add one in the Datasets dock.</i>");
            if (info.has(NeedsImages))
                tip += tr("<br><i>Runs the model again on every image (input perturbation).</i>");
            item->setToolTip(tip);
            item->setData(BaseToolTipRole, tip);
        }
    }
}

void MethodListWidget::setCheckedMethods(const std::vector<std::string>& ids)
{
    {
        const QSignalBlocker block(this);
        for (int i = 0; i < count(); ++i) {
            const std::string id = item(i)->data(MethodIdRole).toString().toStdString();
            if (id.empty())
                continue;
            const bool on = std::find(ids.begin(), ids.end(), id) != ids.end();
            item(i)->setCheckState(on ? Qt::Checked : Qt::Unchecked);
        }
    }
    restyle();
    if (currentMethod().isEmpty() || !isChecked(currentMethod())) {
        const std::vector<std::string> checked = checkedMethods();
        if (!checked.empty())
            setCurrentMethod(QString::fromStdString(checked.front()));
    }
    emit checkedMethodsChanged();
}

void MethodListWidget::setParams(const ScoreParams& params)
{
    const QSignalBlocker block(this);
    for (int i = 0; i < count(); ++i) {
        const std::string id = item(i)->data(MethodIdRole).toString().toStdString();
        if (!id.empty())
            item(i)->setText(methodDisplayLabel(id, params));
    }
}

std::vector<std::string> MethodListWidget::checkedMethods() const
{
    std::vector<std::string> out;
    for (int i = 0; i < count(); ++i) {
        const QListWidgetItem* it = item(i);
        const QString id = it->data(MethodIdRole).toString();
        if (!id.isEmpty() && it->checkState() == Qt::Checked && (it->flags() & Qt::ItemIsEnabled))
            out.push_back(id.toStdString());
    }
    return out;
}

bool MethodListWidget::isChecked(const QString& id) const
{
    const QListWidgetItem* it = itemFor(id);
    return it && it->checkState() == Qt::Checked && (it->flags() & Qt::ItemIsEnabled);
}

void MethodListWidget::setChecked(const QString& id, bool checked)
{
    if (QListWidgetItem* it = itemFor(id))
        it->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

void MethodListWidget::setFitSetAvailable(bool available)
{
    if (available == fitAvailable_)
        return;
    fitAvailable_ = available;
    {
        const QSignalBlocker block(this);
        for (int i = 0; i < count(); ++i)
            if (needsFit(item(i)->data(MethodIdRole).toString())) {
                const Qt::ItemFlags base = Qt::ItemIsSelectable | Qt::ItemIsUserCheckable;
                item(i)->setFlags(available ? base | Qt::ItemIsEnabled : base);
            }
    }
    emit checkedMethodsChanged();
}

void MethodListWidget::setScoredMethods(const std::vector<std::string>& ids)
{
    scored_ = ids;
    haveScored_ = true;
    restyle();
}

void MethodListWidget::restyle()
{
    // Only a checked method the shown result has no scores for is marked (it is being scored, or
    // its scoring failed); an unchecked method is simply not chosen and must not look disabled.
    const QSignalBlocker block(this);
    for (int i = 0; i < count(); ++i) {
        QListWidgetItem* it = item(i);
        const QString id = it->data(MethodIdRole).toString();
        if (id.isEmpty())
            continue;
        const bool scored = std::find(scored_.begin(), scored_.end(), id.toStdString()) != scored_.end();
        const bool pending = haveScored_ && !scored && it->checkState() == Qt::Checked;
        QFont font = it->font();
        font.setItalic(pending);
        it->setFont(font);
        // No explicit colour otherwise: a disabled item (no fit set) then keeps the disabled look.
        it->setData(Qt::ForegroundRole, pending ? QVariant(palette().brush(QPalette::PlaceholderText)) : QVariant());
        QString tip = it->data(BaseToolTipRole).toString();
        if (pending)
            tip += tr("<br><i>Not scored in the shown result yet.</i>");
        it->setToolTip(tip);
    }
}

QStringList MethodListWidget::methods() const
{
    QStringList out;
    for (int i = 0; i < count(); ++i) {
        const QString id = item(i)->data(MethodIdRole).toString();
        if (!id.isEmpty())
            out << id;
    }
    return out;
}

QString MethodListWidget::currentMethod() const
{
    const QListWidgetItem* current = currentItem();
    return current ? current->data(MethodIdRole).toString() : QString();
}

bool MethodListWidget::setCurrentMethod(const QString& id)
{
    QListWidgetItem* target = itemFor(id);
    if (!target)
        return false;
    setCurrentItem(target);
    return true;
}

QListWidgetItem* MethodListWidget::itemFor(const QString& id) const
{
    if (id.isEmpty())
        return nullptr;
    for (int i = 0; i < count(); ++i)
        if (item(i)->data(MethodIdRole).toString() == id)
            return item(i);
    return nullptr;
}

} // namespace oodlens::ui
