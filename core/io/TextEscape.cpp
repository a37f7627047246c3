// SPDX-License-Identifier: GPL-3.0-or-later
#include "io/TextEscape.h"

#include "io/Json.h"

#include <cstdio>

namespace oodlens {

std::string latexText(const std::string& text)
{
    std::string out;
    for (char ch : validUtf8(text)) {
        switch (ch) {
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            out += '\\';
            out += ch;
            break;
        case '\\': out += "\\textbackslash{}"; break;
        case '~': out += "\\textasciitilde{}"; break;
        case '^': out += "\\textasciicircum{}"; break;
        case '\n': case '\r': out += ' '; break;
        default: out += ch;
        }
    }
    return out;
}

std::string markdownCell(const std::string& text)
{
    std::string out;
    for (char ch : validUtf8(text)) {
        switch (ch) {
        case '|': case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
            out += '\\';
            out += ch;
            break;
        case '\n': case '\r': out += ' '; break;
        default: out += ch;
        }
    }
    return out;
}

std::string csvField(const std::string& raw)
{
    const std::string text = validUtf8(raw);
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string htmlText(const std::string& text)
{
    std::string out;
    for (char ch : validUtf8(text)) {
        switch (ch) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += ch;
        }
    }
    return out;
}

std::string percentText(double fraction)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", 100.0 * fraction);
    return buf;
}

} // namespace oodlens
