// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens: the GUI face of the engine. Checks for a display before Qt can abort without one,
// sets the engine's threads, and opens the main window, which starts the demo analysis.
#include "app/DisplayCheck.h"
#include "common/Error.h"
#include "app/MainWindow.h"
#include "app/Resources.h"
#include "apply/ApplyGalleryModel.h"
#include "apply/ApplyView.h"
#include "factors/FactorsView.h"
#include "run/Demo.h"
#include "sweep/SweepView.h"
#include "common/Runtime.h"
#include "run/Options.h"

#include <QAction>
#include <QApplication>
#include <QPixmap>
#include <QSize>
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

const char* const kSynopsis =
    R"(Usage: oodlens [SESSION.oodlens] [window options] [Qt options]
       oodlens --model FILE --id [NAME=]DATASET [--ood [NAME=]DATASET]... [--fit DATASET]
               [any option of oodlens-cli score but --out] [window options]
       oodlens --help | --version

Opens the OOD Lens window. With a session, or with a model and datasets given as oodlens-cli
score takes them, it opens on that analysis and runs it; with neither it runs the bundled demo
analysis (MNIST as the in-distribution set, Fashion-MNIST as the OOD set). Runs go on a worker
thread; pick a method on the left to see its score histogram with the threshold, ROC and
precision-recall curves and metrics.

)";

const char* const kEpilogue =
    R"(  --help, --version              print this text / the version and exit

With --screenshot, settings are neither read nor saved.

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
        std::cout << kSynopsis << oodlens::groupedOptionsHelp(oodlens::commandGroups::kGui) << kEpilogue;
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

    // Qt has taken its own options (-platform, -style, ...) out of arguments() by now; the rest goes
    // through the core's option parser, as oodlens-cli's options do.
    std::vector<std::string> words;
    const QStringList args = QApplication::arguments();
    for (int i = 1; i < args.size(); ++i)
        words.push_back(args[i].toStdString());
    oodlens::ParsedOptions parsed;
    try {
        parsed = oodlens::parseOptions(words, oodlens::commandGroups::kGui, "oodlens");
    } catch (const oodlens::Error& e) {
        std::cerr << "oodlens: error: " << e.what() << std::endl;
        return 2;
    }
    if (parsed.exitFlagged) {
        std::cerr << "oodlens: error: --exit-flagged is for scripts: use oodlens-cli apply" << std::endl;
        return 2;
    }
    oodlens::ui::MainWindowOptions options;
    options.autorun = parsed.autorun;
    if (parsed.methodsGiven)
        options.methods = parsed.config.methods;
    options.method = parsed.method;
    options.sessionFile = QString::fromStdString(parsed.sessionPath);
    // `oodlens --model M --id D --ood N=D [...]`: the window opens on that analysis (with
    // --session FILE, the file's analysis with these options on top) and runs it.
    using G = oodlens::OptionGroup;
    const unsigned analysisGroups = G::Model | G::Datasets | G::Preprocess | G::Params | G::Runtime | G::Cache | G::Bootstrap;
    if (parsed.groupsGiven & analysisGroups) {
        if (!parsed.sessionPath.empty() && !(parsed.groupsGiven & G::Session)) {
            std::cerr << "oodlens: error: give a session file or analysis options (--model, --id, ...), not both; "
                         "--session FILE takes options that override it"
                      << std::endl;
            return 2;
        }
        oodlens::RunConfig config = parsed.config;
        if (!config.hasModelOrHead() || config.idDataset() < 0) {
            std::cerr << "oodlens: error: an analysis on the command line needs --model FILE and --id DATASET, or "
                         "--id FEATURES.npz with head_weight (see oodlens --help)"
                      << std::endl;
            return 2;
        }
        config.applySweeps = false; // the Sweep tab's "Apply best" applies a chosen value
        options.configFactory = [config]() { return config; };
        options.sessionFile.clear();
    } else if (!parsed.config.sweeps.empty() && parsed.sessionPath.empty()) {
        // `oodlens --sweep energy.T`: the demo with that sweep on its Sweep tab.
        const std::vector<oodlens::SweepRequest> sweeps = parsed.config.sweeps;
        const oodlens::SweepSettings settings = parsed.config.sweepSettings;
        options.configFactory = [sweeps, settings]() {
            oodlens::RunConfig c = oodlens::demoConfig();
            c.sweeps = sweeps;
            c.sweepSettings = settings;
            c.applySweeps = false;
            return c;
        };
    }
    const QString screenshot = QString::fromStdString(parsed.screenshot);
    const QString tab = QString::fromStdString(parsed.tab);
    const QSize size(parsed.windowWidth, parsed.windowHeight);
    const bool overlay = parsed.overlay;

    if (!screenshot.isEmpty()) {
        options.autorun = true;
        options.persistSettings = false;
    }
    oodlens::ui::MainWindow window(options);
    if (parsed.bootstrap > 0)
        window.bootstrapAction()->setChecked(true);
    if (overlay)
        window.overlayAction()->setChecked(true);
    // --split / --validation-*: the Gradients? view's split (and so File > Export report's).
    if (parsed.groupsGiven & oodlens::OptionGroup::Factors)
        window.factorsView()->setSplit(parsed.factors.split);
    if (tab == QLatin1String("explore"))
        window.centralTabs()->setCurrentIndex(oodlens::ui::MainWindow::ExploreTab);
    else if (tab == QLatin1String("factors"))
        window.centralTabs()->setCurrentIndex(oodlens::ui::MainWindow::FactorsTab);
    else if (tab == QLatin1String("sweep"))
        window.centralTabs()->setCurrentIndex(oodlens::ui::MainWindow::SweepTab);
    else if (tab == QLatin1String("apply"))
        window.centralTabs()->setCurrentIndex(oodlens::ui::MainWindow::ApplyTab);
    // --detector and --images fill the Apply tab.
    oodlens::ui::ApplyView* apply = window.applyView();
    if (!parsed.detectorPath.empty() && !apply->openDetector(QString::fromStdString(parsed.detectorPath))) {
        std::cerr << "oodlens: error: " << window.statusText().toStdString() << std::endl;
        return 2;
    }
    for (const std::string& images : parsed.images)
        apply->addSource(QString::fromStdString(images));
    apply->setAllowModelMismatch(parsed.allowModelMismatch);
    if (!parsed.config.sweeps.empty())
        window.sweepView()->setRequest(parsed.config.sweeps.front(), parsed.config.sweepSettings);
    if (!screenshot.isEmpty())
        window.resize(size);
    window.show();

    if (!screenshot.isEmpty() && !window.startupProblem().isEmpty()) {
        // Nothing will run: waiting for the run's end would never end.
        std::cerr << "oodlens: error: " << window.startupProblem().toStdString() << std::endl;
        return 1;
    }
    if (!screenshot.isEmpty()) {
        auto grab = [&window, screenshot]() {
            // Give the plots one more paint after the last replot before grabbing.
            QTimer::singleShot(300, &window, [&window, screenshot]() {
                const bool saved = window.grab().save(screenshot, "PNG");
                if (saved)
                    std::cerr << "oodlens: wrote " << screenshot.toStdString() << std::endl;
                else
                    std::cerr << "oodlens: error: cannot write '" << screenshot.toStdString() << "'" << std::endl;
                QApplication::exit(saved ? 0 : 1);
            });
        };
        if (tab == QLatin1String("apply")) {
            // After the run: the detector (or the current method at its threshold) on --images.
            QObject::connect(apply, &oodlens::ui::ApplyView::finished, &window, [apply, grab]() {
                apply->gallery()->waitForThumbnails(10000);
                grab();
            });
            QObject::connect(&window, &oodlens::ui::MainWindow::runFinished, &window, [apply]() {
                if (!apply->detector() && !apply->useCurrentMethod()) {
                    std::cerr << "oodlens: error: no detector to apply" << std::endl;
                    QApplication::exit(1);
                    return;
                }
                if (!apply->start()) {
                    std::cerr << "oodlens: error: nothing to apply the detector to (--images)" << std::endl;
                    QApplication::exit(1);
                }
            });
        } else if (tab == QLatin1String("factors")) {
            // The factor analysis follows the run, off the GUI thread: wait for it.
            oodlens::ui::FactorsView* factors = window.factorsView();
            QObject::connect(factors, &oodlens::ui::FactorsView::reportReady, &window, grab);
            QObject::connect(factors, &oodlens::ui::FactorsView::reportFailed, &window, [grab](const QString& message) {
                std::cerr << "oodlens: warning: no factor analysis: " << message.toStdString() << std::endl;
                grab();
            });
        } else {
            QObject::connect(&window, &oodlens::ui::MainWindow::runFinished, &window, grab);
        }
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
