// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QListWidget>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace oodlens::ui {

// The methods of a run, grouped under "Gradient-based" / "Non-gradient" headers in the order of
// oodlens::methodRegistry(). Headers cannot be selected; each method item carries its id.
class MethodListWidget : public QListWidget {
    Q_OBJECT

public:
    static constexpr int MethodIdRole = Qt::UserRole;

    explicit MethodListWidget(QWidget* parent = nullptr);

    // Rebuilds the list; keeps the current method when it is still listed, else picks the first.
    void setMethods(const std::vector<std::string>& ids);
    QStringList methods() const;
    QString currentMethod() const;
    // False when `id` is not listed.
    bool setCurrentMethod(const QString& id);

signals:
    void currentMethodChanged(const QString& id);

private:
    QListWidgetItem* itemFor(const QString& id) const;
    QString lastEmitted_;
};

} // namespace oodlens::ui
