// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Names (datasets, OOD sets, methods, paths) as the text formats of the exports take them. Each is
// valid UTF-8 (io/Json.h's validUtf8: invalid bytes become U+FFFD) and escaped for its format.
#include <string>

namespace oodlens {

// LaTeX text mode: & % $ # _ { } escaped with a backslash, \ ~ ^ as \textbackslash{},
// \textasciitilde{} and \textasciicircum{}; line breaks become spaces.
std::string latexText(const std::string& text);
// A Markdown table cell: | \ ` * _ [ ] < > escaped with a backslash; line breaks become spaces.
std::string markdownCell(const std::string& text);
// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csvField(const std::string& text);
// HTML text or attribute value: & < > " ' as character references; line breaks stay.
std::string htmlText(const std::string& text);

// A fraction as the tables of the exports print it: percent with two decimals ("98.67").
std::string percentText(double fraction);

} // namespace oodlens
