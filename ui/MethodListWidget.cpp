// SPDX-License-Identifier: GPL-3.0-or-later
#include "MethodListWidget.h"

#include "MethodLabels.h"
#include "Scores.h"

#include <QFont>
#include <QSignalBlocker>

namespace oodlens::ui {

namespace {

QString groupHelp(MethodGroup group)
{
    switch (group) {
    case MethodGroup::Gradient:
        return MethodListWidget::tr("Scores defined through the gradient of a loss with respect to the last layer");
    case MethodGroup::NonGradient:
        return MethodListWidget::tr("Scores computed from the logits and/or the penultimate features alone");
    case MethodGroup::Fitted:
        return MethodListWidget::tr("Scores with statistics fitted on the training (fit) set");
    }
    return {};
}

} // namespace

MethodListWidget::MethodListWidget(QWidget* parent) : QListWidget(parent)
{
    setSelectionMode(QAbstractItemView::SingleSelection);
    setUniformItemSizes(false);
    connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* current) {
        const QString id = current ? current->data(MethodIdRole).toString() : QString();
        if (id.isEmpty() || id == lastEmitted_)
            return;
        lastEmitted_ = id;
        emit currentMethodChanged(id);
    });
}

void MethodListWidget::setMethods(const std::vector<std::string>& ids)
{
    const QString keep = currentMethod();
    {
        const QSignalBlocker block(this);
        clear();
        for (MethodGroup group : {MethodGroup::Gradient, MethodGroup::NonGradient, MethodGroup::Fitted}) {
            bool headerAdded = false;
            for (const MethodInfo& info : methodRegistry()) {
                if (info.group != group)
                    continue;
                bool wanted = false;
                for (const std::string& id : ids)
                    wanted = wanted || id == info.id;
                if (!wanted)
                    continue;
                if (!headerAdded) {
                    auto* header = new QListWidgetItem(methodGroupTitle(group), this);
                    header->setFlags(Qt::NoItemFlags);
                    QFont font = header->font();
                    font.setBold(true);
                    header->setFont(font);
                    // Not selectable, but not greyed out either: it is a heading, not a disabled choice.
                    header->setForeground(palette().brush(QPalette::WindowText));
                    header->setToolTip(groupHelp(group));
                    headerAdded = true;
                }
                auto* item = new QListWidgetItem(QStringLiteral("    ") + methodDisplayLabel(info.id), this);
                item->setData(MethodIdRole, QString::fromStdString(info.id));
                QString tip = QStringLiteral("<b>%1</b> (<code>%2</code>)<br>%3")
                                  .arg(QString::fromStdString(info.label).toHtmlEscaped(),
                                       QString::fromStdString(info.id).toHtmlEscaped(),
                                       QString::fromStdString(info.formula).toHtmlEscaped());
                if (info.perSampleGradient)
                    tip += tr("<br><i>Per-sample autograd: slow by design, kept to check the closed form.</i>");
                item->setToolTip(tip);
            }
        }
    }
    lastEmitted_.clear();
    if (!setCurrentMethod(keep)) {
        for (int i = 0; i < count(); ++i)
            if (!item(i)->data(MethodIdRole).toString().isEmpty()) {
                setCurrentRow(i);
                break;
            }
    }
    // The list was rebuilt under a signal blocker: announce the current method even if unchanged.
    if (!currentMethod().isEmpty() && lastEmitted_.isEmpty()) {
        lastEmitted_ = currentMethod();
        emit currentMethodChanged(lastEmitted_);
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
