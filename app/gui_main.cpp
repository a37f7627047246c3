// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens: the GUI face of the engine. Checks for a display before Qt can abort without one,
// sets the engine's threads, and opens the main window, which starts the demo analysis.
#include "app/DisplayCheck.h"
#include "common/Error.h"
#include "app/MainWindow.h"
#include "app/Resources.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <QAction>
#include <QApplication>
#include <QPixmap>
#include <QStringList>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <iostream>

#ifndef OODLENS_VERSION
#define OODLENS_VERSION "unknown"
#endif

namespace {

const char* const kUsage =
    R"(Usage: oodlens [SESSION.oodlens] [--no-autorun] [--methods a,b,...] [--method ID] [--overlay]
               [--tab analysis|explore] [--screenshot FILE.png [--size WxH]] [Qt options]
       oodlens --help | --version

Opens the OOD Lens window. With no session it runs the bundled demo analysis (MNIST as the
in-distribution set, Fashion-MNIST as the OOD set) on a worker thread; pick a method on the left
to see its score histogram with the threshold, ROC and precision-recall curves and metrics.

  --no-autorun        do not start the demo run at startup (F5 / Ctrl+R starts it)
  --methods a,b,...   methods to score (see 'oodlens-cli methods'); default: a gradient and
                      non-gradient selection
  --method ID         method to show first (default: the one shown last time)
  --overlay           overlay every checked method on the ROC and PR curves
  --tab NAME          show the 'analysis' (default) or 'explore' tab
  SESSION.oodlens     open a saved session (File > Save session) instead of the demo
  --screenshot FILE   wait for the run to finish, save the window as a PNG and exit
                      (exit code 1 when the run fails); settings are neither read nor saved
  --size WxH          window size for --screenshot (default 1600x1000)
  --help, --version   print this text / the version and exit

Without a display, run it under a virtual one ('xvfb-run -a oodlens'), use
QT_QPA_PLATFORM=offscreen, or run the analysis headless with 'oodlens-cli demo'.
)";

bool hasFlag(int argc, char** argv, const char* a, const char* b = nullptr)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], a) == 0 || (b && std::strcmp(argv[i], b) == 0))
            return true;
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    // These need no display, so they are answered before Qt looks for one.
    if (hasFlag(argc, argv, "--help", "-h")) {
        std::cout << kUsage;
        return 0;
    }
    if (hasFlag(argc, argv, "--version")) {
        std::cout << "oodlens " OODLENS_VERSION " (Qt " << qVersion() << ", " << oodlens::libraryVersions() << ")\n";
        return 0;
    }
    // QApplication aborts when its platform plugin finds no display; say what to do instead.
    const std::string reason = oodlens::ui::missingDisplayReason(argc, argv);
    if (!reason.empty()) {
        std::cerr << oodlens::ui::noDisplayMessage(reason) << std::endl;
        return 2;
    }

    oodlens::initRuntime(0);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("OODLens"));
    QApplication::setApplicationName(QStringLiteral("oodlens"));
    QApplication::setApplicationDisplayName(QStringLiteral("OOD Lens"));
    QApplication::setApplicationVersion(QStringLiteral(OODLENS_VERSION));
    QApplication::setWindowIcon(oodlens::ui::appIcon());

    // Qt has taken its own options (-platform, -style, ...) out of arguments() by now.
    oodlens::ui::MainWindowOptions options;
    QString screenshot;
    QString tab;
    QSize size(1600, 1000);
    bool overlay = false;
    const QStringList args = QApplication::arguments();
    try {
        for (int i = 1; i < args.size(); ++i) {
            const QString& a = args[i];
            if (a == QLatin1String("--no-autorun")) {
                options.autorun = false;
            } else if (a == QLatin1String("--overlay")) {
                overlay = true;
            } else if (a == QLatin1String("--tab") || a == QLatin1String("--size")) {
                if (i + 1 >= args.size())
                    throw oodlens::Error("option " + a.toStdString() + " needs a value");
                const QString value = args[++i];
                if (a == QLatin1String("--tab")) {
                    if (value != QLatin1String("analysis") && value != QLatin1String("explore"))
                        throw oodlens::Error("--tab takes 'analysis' or 'explore'");
                    tab = value;
                } else {
                    const QStringList wh = value.split(QLatin1Char('x'));
                    if (wh.size() != 2 || wh[0].toInt() < 400 || wh[1].toInt() < 300)
                        throw oodlens::Error("--size takes WIDTHxHEIGHT, e.g. 1600x1000");
                    size = QSize(wh[0].toInt(), wh[1].toInt());
                }
            } else if (a.endsWith(QLatin1String(".oodlens")) && !a.startsWith(QLatin1Char('-'))) {
                options.sessionFile = a;
            } else if (a == QLatin1String("--screenshot") || a == QLatin1String("--methods") ||
                       a == QLatin1String("--method")) {
                if (i + 1 >= args.size())
                    throw oodlens::Error("option " + a.toStdString() + " needs a value");
                const std::string value = args[++i].toStdString();
                if (a == QLatin1String("--screenshot"))
                    screenshot = args[i];
                else if (a == QLatin1String("--methods"))
                    options.methods = oodlens::parseMethodList(value);
                else if (oodlens::findMethod(value))
                    options.initialMethod = value;
                else
                    throw oodlens::Error("unknown method '" + value + "' (see oodlens-cli methods)");
            } else {
                throw oodlens::Error("unknown option '" + a.toStdString() + "' (see oodlens --help)");
            }
        }
    } catch (const oodlens::Error& e) {
        std::cerr << "oodlens: error: " << e.what() << std::endl;
        return 2;
    }

    if (!screenshot.isEmpty()) {
        options.autorun = true;
        options.persistSettings = false;
    }
    oodlens::ui::MainWindow window(options);
    if (overlay)
        window.overlayAction()->setChecked(true);
    if (tab == QLatin1String("explore"))
        window.centralTabs()->setCurrentIndex(1);
    if (!screenshot.isEmpty())
        window.resize(size);
    window.show();

    if (!screenshot.isEmpty()) {
        QObject::connect(&window, &oodlens::ui::MainWindow::runFinished, &window, [&window, screenshot]() {
            // Give the plots one more paint after the last replot before grabbing.
            QTimer::singleShot(300, &window, [&window, screenshot]() {
                const bool saved = window.grab().save(screenshot, "PNG");
                if (saved)
                    std::cerr << "oodlens: wrote " << screenshot.toStdString() << std::endl;
                else
                    std::cerr << "oodlens: error: cannot write '" << screenshot.toStdString() << "'" << std::endl;
                QApplication::exit(saved ? 0 : 1);
            });
        });
        QObject::connect(&window, &oodlens::ui::MainWindow::runFailed, &window, [](const QString& message) {
            std::cerr << "oodlens: error: " << message.toStdString() << std::endl;
            QApplication::exit(1);
        });
        QObject::connect(&window, &oodlens::ui::MainWindow::runCancelled, &window, []() {
            std::cerr << "oodlens: cancelled" << std::endl;
            QApplication::exit(1);
        });
    }
    return QApplication::exec();
}
