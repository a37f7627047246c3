// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace oodlens {

// A small JSON value for sidecars, run metadata and cache manifests (RFC 8259; numbers as double).
// Parsing is linear in the text: member lookups go through a hash index, so a file with hundreds
// of thousands of keys parses as fast as one with a few. Numbers follow RFC 8259's grammar (no
// NaN, Infinity, hex or leading '+'), and a number too large for a double is refused. Text written
// by dump() is always valid UTF-8: invalid byte sequences in strings (a file name in another
// encoding) are written as U+FFFD, so every reader of the files accepts them.
class Json {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : type_(Type::Bool), bool_(b) {}
    Json(double v) : type_(Type::Number), number_(v) {}
    Json(int v) : type_(Type::Number), number_(v) {}
    Json(long v) : type_(Type::Number), number_(static_cast<double>(v)) {}
    Json(unsigned long v) : type_(Type::Number), number_(static_cast<double>(v)) {}
    Json(long long v) : type_(Type::Number), number_(static_cast<double>(v)) {}
    Json(unsigned long long v) : type_(Type::Number), number_(static_cast<double>(v)) {}
    Json(const char* s) : type_(Type::String), string_(s) {}
    Json(std::string s) : type_(Type::String), string_(std::move(s)) {}
    static Json array() { Json j; j.type_ = Type::Array; return j; }
    static Json object() { Json j; j.type_ = Type::Object; return j; }

    Type type() const { return type_; }
    bool isNull() const { return type_ == Type::Null; }
    bool isNumber() const { return type_ == Type::Number; }
    bool isString() const { return type_ == Type::String; }
    bool isArray() const { return type_ == Type::Array; }
    bool isObject() const { return type_ == Type::Object; }

    double number(double fallback = 0) const { return isNumber() ? number_ : fallback; }
    bool boolean(bool fallback = false) const { return type_ == Type::Bool ? bool_ : fallback; }
    const std::string& string() const { return string_; }
    const std::vector<Json>& items() const { return array_; }
    const std::vector<std::pair<std::string, Json>>& members() const { return object_; }

    // Object access: get() returns a null value when absent; set() keeps insertion order.
    const Json& get(const std::string& key) const;
    bool has(const std::string& key) const;
    Json& set(const std::string& key, Json value);
    Json& push(Json value);

    std::string dump(int indent = 2) const;
    // Throws Error with the byte offset on malformed text; `source` names the file in the message.
    // `maxValues` (0: no limit) bounds the values the text may hold (every number, string, array
    // and object counts): each costs a few hundred bytes in memory whatever its size in the text,
    // so a file's byte limit alone does not bound what it takes to parse it.
    static Json parse(const std::string& text, const std::string& source = "JSON text", std::size_t maxValues = 0);
    static Json parseFile(const std::string& path);

private:
    void dumpTo(std::string& out, int indent, int depth) const;
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<Json> array_;
    std::vector<std::pair<std::string, Json>> object_;
    // Member name -> position in object_, for objects (kept by set()).
    std::unordered_map<std::string, std::size_t> index_;
};

// `text` with every invalid UTF-8 sequence (a stray byte, a truncated or overlong sequence, a
// surrogate, a code point above U+10FFFF) replaced by U+FFFD; valid text is returned unchanged.
std::string validUtf8(const std::string& text);

} // namespace oodlens
