// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/DisplayCheck.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace oodlens::ui {

namespace {

bool isSet(const char* value)
{
    return value && *value;
}

} // namespace

std::string missingDisplayReason(const std::string& platform, const char* display, const char* waylandDisplay)
{
    const bool hasX = isSet(display);
    const bool hasWayland = isSet(waylandDisplay);
    if (platform.empty())
        return hasX || hasWayland ? std::string() : "DISPLAY is not set";

    // Qt tries each entry of "wayland;xcb" in turn; one that can start is enough.
    std::string firstReason;
    std::stringstream list(platform);
    std::string entry;
    while (std::getline(list, entry, ';')) {
        const std::string name = entry.substr(0, entry.find(':')); // "xcb:option=..." -> "xcb"
        if (name.empty())
            continue;
        std::string reason;
        if (name == "xcb")
            reason = hasX ? "" : "DISPLAY is not set";
        else if (name.rfind("wayland", 0) == 0)
            reason = hasWayland ? "" : "WAYLAND_DISPLAY is not set";
        if (reason.empty())
            return {};
        if (firstReason.empty())
            firstReason = reason;
    }
    return firstReason;
}

std::string missingDisplayReason(int argc, char** argv)
{
    std::string platform;
    if (const char* env = std::getenv("QT_QPA_PLATFORM"))
        platform = env;
    // QApplication reads -platform (and --platform) before the environment.
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if ((std::strcmp(a, "-platform") == 0 || std::strcmp(a, "--platform") == 0) && i + 1 < argc)
            platform = argv[++i];
        else if (std::strncmp(a, "-platform=", 10) == 0)
            platform = a + 10;
        else if (std::strncmp(a, "--platform=", 11) == 0)
            platform = a + 11;
    }
    return missingDisplayReason(platform, std::getenv("DISPLAY"), std::getenv("WAYLAND_DISPLAY"));
}

std::string noDisplayMessage(const std::string& reason)
{
    return "oodlens: no display found (" + reason +
           "); run it under a virtual display with 'xvfb-run -a oodlens', or run the analysis headless with "
           "'oodlens-cli demo'";
}

} // namespace oodlens::ui
