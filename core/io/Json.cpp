// SPDX-License-Identifier: GPL-3.0-or-later
#include "io/Json.h"

#include "common/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace oodlens {
namespace {

class Parser {
public:
    Parser(const std::string& text, const std::string& source, std::size_t maxValues)
        : s_(text), source_(source), maxValues_(maxValues)
    {
    }

    Json document()
    {
        const auto starts = [&](const char* bom, std::size_t n) { return s_.compare(0, n, bom, n) == 0; };
        if (starts("\xFF\xFE", 2) || starts("\xFE\xFF", 2) || (s_.size() >= 2 && (s_[0] == '\0' || s_[1] == '\0')))
            fail("the text is UTF-16, UTF-32 or binary, not UTF-8 (JSON text must be UTF-8)");
        if (starts("\xEF\xBB\xBF", 3))
            pos_ = 3; // a UTF-8 byte order mark, which RFC 8259 lets a parser ignore
        Json v = value(0);
        skipSpace();
        if (pos_ != s_.size())
            fail("unexpected text after the value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error("cannot parse " + source_ + ": " + what + " at byte " + std::to_string(pos_));
    }
    void skipSpace()
    {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(const char* word)
    {
        const std::size_t n = std::char_traits<char>::length(word);
        if (s_.compare(pos_, n, word) != 0)
            return false;
        pos_ += n;
        return true;
    }
    Json value(int depth)
    {
        if (depth > 200)
            fail("nesting too deep");
        if (maxValues_ && ++values_ > maxValues_)
            fail("more than " + std::to_string(maxValues_) + " values, more than such a file ever holds");
        skipSpace();
        if (pos_ >= s_.size())
            fail("unexpected end");
        const char c = s_[pos_];
        if (c == '{')
            return object(depth);
        if (c == '[')
            return array(depth);
        if (c == '"')
            return Json(string());
        if (consume("true"))
            return Json(true);
        if (consume("false"))
            return Json(false);
        if (consume("null"))
            return Json();
        return number();
    }
    Json object(int depth)
    {
        ++pos_;
        Json obj = Json::object();
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return obj;
        }
        for (;;) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"')
                fail("expected a member name");
            std::string key = string();
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != ':')
                fail("expected ':'");
            ++pos_;
            obj.set(key, value(depth + 1));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return obj;
            }
            fail("expected ',' or '}'");
        }
    }
    Json array(int depth)
    {
        ++pos_;
        Json arr = Json::array();
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return arr;
        }
        for (;;) {
            arr.push(value(depth + 1));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return arr;
            }
            fail("expected ',' or ']'");
        }
    }
    void appendUtf8(std::string& out, unsigned cp)
    {
        if (cp < 0x80)
            out += char(cp);
        else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    unsigned hex4()
    {
        if (pos_ + 4 > s_.size())
            fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= unsigned(c - 'A' + 10);
            else
                fail("bad \\u escape");
        }
        return v;
    }
    std::string string()
    {
        ++pos_; // opening quote
        std::string out;
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"')
                return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size())
                break;
            const char e = s_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00) { // a high surrogate: a low one must follow
                    const std::size_t mark = pos_;
                    unsigned lo = 0;
                    if (consume("\\u") && (lo = hex4()) >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        pos_ = mark; // a lone surrogate: U+FFFD, and what follows is read as itself
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    cp = 0xFFFD; // a lone low surrogate
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                fail("bad escape");
            }
        }
        fail("unterminated string");
    }
    bool digitAt(std::size_t i) const { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; }

    // RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, read with from_chars (the C
    // locale whatever the process's locale is). A number beyond a double's range is refused; one
    // too small for it reads as 0.
    Json number()
    {
        const std::size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-')
            ++pos_;
        const std::size_t intStart = pos_;
        if (!digitAt(pos_))
            fail("unexpected character");
        if (s_[pos_] == '0')
            ++pos_;
        else
            while (digitAt(pos_))
                ++pos_;
        const std::size_t intEnd = pos_;
        std::size_t fracStart = pos_, fracEnd = pos_;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            fracStart = ++pos_;
            if (!digitAt(pos_))
                fail("expected a digit after '.'");
            while (digitAt(pos_))
                ++pos_;
            fracEnd = pos_;
        }
        long long exponent = 0;
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            bool negative = false;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'))
                negative = s_[pos_++] == '-';
            if (!digitAt(pos_))
                fail("expected a digit in the exponent");
            while (digitAt(pos_)) {
                exponent = std::min<long long>(exponent * 10 + (s_[pos_] - '0'), 1000000);
                ++pos_;
            }
            if (negative)
                exponent = -exponent;
        }
        double v = 0;
        const char* first = s_.data() + start;
        const char* last = s_.data() + pos_;
        const auto [end, ec] = std::from_chars(first, last, v);
        if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(v))) {
            // The decimal order of magnitude tells overflow from underflow.
            long long magnitude = exponent;
            if (s_[intStart] != '0') {
                magnitude += static_cast<long long>(intEnd - intStart) - 1;
            } else {
                std::size_t i = fracStart;
                while (i < fracEnd && s_[i] == '0')
                    ++i;
                magnitude -= static_cast<long long>(i - fracStart) + 1;
            }
            if (magnitude > 0) {
                pos_ = start;
                fail("number out of range");
            }
            v = s_[start] == '-' ? -0.0 : 0.0;
        } else if (ec != std::errc() || end != last) {
            pos_ = start;
            fail("malformed number");
        }
        return Json(v);
    }

    const std::string& s_;
    std::string source_;
    std::size_t pos_ = 0;
    std::size_t maxValues_ = 0, values_ = 0;
};

// The UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF): true and its length when valid; false and the length of its maximal valid prefix
// (at least 1) when not, which becomes one U+FFFD (Unicode's "maximal subpart" practice, as
// Python's errors="replace" does).
bool utf8SequenceAt(const std::string& s, std::size_t i, std::size_t& length)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    length = 1;
    if (c < 0x80)
        return true;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; // overlong
        if (c == 0xED)
            hi = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; // overlong
        if (c == 0xF4)
            hi = 0x8F; // above U+10FFFF
    } else {
        return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const bool ok = i + k < s.size() && byte(i + k) >= (k == 1 ? lo : 0x80) && byte(i + k) <= (k == 1 ? hi : 0xBF);
        if (!ok)
            return false;
        length = k + 1;
    }
    return true;
}

const char* const kReplacement = "\xEF\xBF\xBD"; // U+FFFD

void escape(std::string& out, const std::string& s)
{
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            std::size_t n = 0;
            if (utf8SequenceAt(s, i, n))
                out.append(s, i, n);
            else
                out += kReplacement;
            i += n;
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

} // namespace

const Json& Json::get(const std::string& key) const
{
    static const Json null;
    const auto it = index_.find(key);
    return it == index_.end() ? null : object_[it->second].second;
}

bool Json::has(const std::string& key) const { return index_.count(key) != 0; }

Json& Json::set(const std::string& key, Json value)
{
    type_ = Type::Object;
    const auto [it, added] = index_.emplace(key, object_.size());
    if (!added) { // a repeated key: the last value wins, in the first one's place
        object_[it->second].second = std::move(value);
        return object_[it->second].second;
    }
    object_.emplace_back(key, std::move(value));
    return object_.back().second;
}

Json& Json::push(Json value)
{
    type_ = Type::Array;
    array_.push_back(std::move(value));
    return array_.back();
}

void Json::dumpTo(std::string& out, int indent, int depth) const
{
    auto newline = [&](int d) {
        if (indent > 0) {
            out += '\n';
            out.append(static_cast<std::size_t>(indent * d), ' ');
        }
    };
    switch (type_) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += bool_ ? "true" : "false"; break;
    case Type::Number: {
        if (!std::isfinite(number_)) {
            out += "null"; // JSON has no NaN or infinity
            break;
        }
        char buf[32];
        if (number_ == std::floor(number_) && std::fabs(number_) < 1e15)
            std::snprintf(buf, sizeof buf, "%.0f", number_);
        else
            std::snprintf(buf, sizeof buf, "%.17g", number_);
        out += buf;
        break;
    }
    case Type::String: escape(out, string_); break;
    case Type::Array:
        out += '[';
        for (std::size_t i = 0; i < array_.size(); ++i) {
            if (i)
                out += ',';
            newline(depth + 1);
            array_[i].dumpTo(out, indent, depth + 1);
        }
        if (!array_.empty())
            newline(depth);
        out += ']';
        break;
    case Type::Object:
        out += '{';
        for (std::size_t i = 0; i < object_.size(); ++i) {
            if (i)
                out += ',';
            newline(depth + 1);
            escape(out, object_[i].first);
            out += indent > 0 ? ": " : ":";
            object_[i].second.dumpTo(out, indent, depth + 1);
        }
        if (!object_.empty())
            newline(depth);
        out += '}';
        break;
    }
}

std::string Json::dump(int indent) const
{
    std::string out;
    dumpTo(out, indent, 0);
    return out;
}

std::string validUtf8(const std::string& text)
{
    std::size_t i = 0, n = 0;
    while (i < text.size() && utf8SequenceAt(text, i, n))
        i += n;
    if (i == text.size())
        return text;
    std::string out = text.substr(0, i);
    while (i < text.size()) {
        if (utf8SequenceAt(text, i, n))
            out.append(text, i, n);
        else
            out += kReplacement;
        i += n;
    }
    return out;
}

Json Json::parse(const std::string& text, const std::string& source, std::size_t maxValues)
{
    return Parser(text, source, maxValues).document();
}

Json Json::parseFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot read '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), "'" + path + "'");
}

} // namespace oodlens
