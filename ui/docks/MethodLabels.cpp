// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodLabels.h"

#include <QCoreApplication>

namespace oodlens::ui {

QString methodDisplayLabel(const std::string& id)
{
    const MethodInfo* info = findMethod(id);
    if (!info)
        return QString::fromStdString(id);
    QString label = QString::fromStdString(info->label);
    label.replace(QStringLiteral("||"), QStringLiteral("\u2016"));
    label.replace(QStringLiteral("\u2016_1"), QStringLiteral("\u2016\u2081"));
    label.replace(QStringLiteral("\u2016_2"), QStringLiteral("\u2016\u2082"));
    label.replace(QStringLiteral(" x "), QStringLiteral(" \u00d7 "));
    return label;
}

QString methodGroupHeading(MethodGroup group)
{
    return QCoreApplication::translate("oodlens", oodlens::methodGroupTitle(group));
}

QString methodGroupShort(MethodGroup group)
{
    return QCoreApplication::translate("oodlens", methodGroupName(group));
}

} // namespace oodlens::ui
