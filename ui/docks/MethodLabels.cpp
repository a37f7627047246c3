// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MethodLabels.h"

#include <QCoreApplication>

namespace oodlens::ui {

QString typesetMethodLabel(const std::string& text)
{
    QString label = QString::fromStdString(text);
    label.replace(QStringLiteral("||"), QStringLiteral("\u2016"));
    label.replace(QStringLiteral("\u2016_1"), QStringLiteral("\u2016\u2081"));
    label.replace(QStringLiteral("\u2016_2"), QStringLiteral("\u2016\u2082"));
    label.replace(QStringLiteral("\u2016_inf"), QStringLiteral("\u2016\u221e"));
    label.replace(QStringLiteral(" x "), QStringLiteral(" \u00d7 "));
    return label;
}

QString methodDisplayLabel(const std::string& id)
{
    const MethodInfo* info = findMethod(id);
    if (!info)
        return QString::fromStdString(id);
    return typesetMethodLabel(info->label);
}

QString methodDisplayLabel(const std::string& id, const ScoreParams& params)
{
    if (!findMethod(id))
        return QString::fromStdString(id);
    return typesetMethodLabel(methodLabel(id, params));
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
