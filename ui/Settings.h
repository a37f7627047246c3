// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QByteArray>
#include <QSettings>
#include <QString>

namespace oodlens::ui {

// Typed access to the user's settings (organisation "OODLens", application "oodlens"): the keys
// live here and nowhere else.
class Settings {
public:
    Settings();

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray plotSplitterState() const;
    void setPlotSplitterState(const QByteArray& state);
    bool logHistogramCounts() const;
    void setLogHistogramCounts(bool log);
    // Id of the method shown last ("gradnorm"), empty when none.
    QString currentMethod() const;
    void setCurrentMethod(const QString& id);

private:
    QSettings settings_;
};

} // namespace oodlens::ui
