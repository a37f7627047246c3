// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/ErrorDetails.h"

#include <QMessageBox>

namespace oodlens::ui {

QMessageBox* showErrorDetails(QWidget* parent, const QString& title, const QString& text, const QString& details,
                              bool error)
{
    auto* box = new QMessageBox(error ? QMessageBox::Warning : QMessageBox::Information, title, text,
                                QMessageBox::Close, parent);
    box->setObjectName(QStringLiteral("errorDetails"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (!details.isEmpty() && details != text)
        box->setDetailedText(details);
    box->setWindowModality(Qt::WindowModal);
    box->open();
    return box;
}

} // namespace oodlens::ui
