// Located YAML reading: diagnostics sink, node locations, typed readers; see yaml_util.h.
#include "scenarios/internal/yaml_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "policies/grpc_status.h"
#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {

// ---- Diagnostics, Locator ----------------------------------------------------------------

void Diagnostics::report(Code code, SourceLocation where, const std::vector<std::string>& args,
                         std::string_view suggestion) {
  Diagnostic d = make_diagnostic(code, std::move(where), args);
  d.message += did_you_mean(suggestion);
  items_.push_back(std::move(d));
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.level == Level::kError; });
}

void Locator::add(const YAML::Node& node, SourceLocation where) {
  registered_.emplace_back(node, std::move(where));
}

void Locator::add_tree(const YAML::Node& root, const std::string& file, int column_offset) {
  if (!root.IsDefined()) return;
  const YAML::Mark m = root.Mark();
  SourceLocation where{file, 1, 0};
  if (!m.is_null()) {
    where.line = m.line + 1;
    where.column = m.column + 1 + (m.line == 0 ? column_offset : 0);
  }
  add(root, where);
  if (root.IsMap()) {
    for (auto it = root.begin(); it != root.end(); ++it) {
      add_tree(it->first, file, column_offset);
      add_tree(it->second, file, column_offset);
    }
  } else if (root.IsSequence()) {
    for (auto it = root.begin(); it != root.end(); ++it) add_tree(*it, file, column_offset);
  }
}

SourceLocation Locator::locate(const YAML::Node& node, const std::string& file) const {
  if (!node.IsDefined()) return {file, 0, 0};
  for (const auto& [n, where] : registered_) {
    if (node.is(n)) return where;
  }
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

// ---- Formatting helpers -------------------------------------------------------------------

YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node n = map[key];
  return n.IsDefined() && !n.IsNull() ? n : YAML::Node(YAML::NodeType::Undefined);
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

std::string format_number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

std::string join(const std::vector<std::string>& words, std::string_view last_sep) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) s += (i + 1 == words.size()) ? std::string(last_sep) : std::string(", ");
    s += words[i];
  }
  return s;
}

std::string quote_join(const std::vector<std::string>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) s += ", ";
    s += "'" + words[i] + "'";
  }
  return s;
}

std::string format_labels(const models::Labels& labels) {
  std::string s = "{";
  for (const auto& [k, v] : labels) {
    if (s.size() > 1) s += ", ";
    s += k + ": " + v;
  }
  return s + "}";
}

// ---- Typed readers ------------------------------------------------------------------------

namespace {

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  if (*first == '+') ++first;
  const auto r = std::from_chars(first, s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

std::string range_text(double lo, double hi) {
  if (hi == std::numeric_limits<double>::max()) return ">= " + format_number(lo);
  return "between " + format_number(lo) + " and " + format_number(hi);
}

}  // namespace

std::optional<std::string> read_string(const Context& ctx, const YAML::Node& node,
                                       std::string_view field) {
  if (!node.IsScalar()) {
    ctx.report(Code::kWrongType, node, {std::string(field), "a string", describe(node)});
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> read_number(const Context& ctx, const YAML::Node& node,
                                  std::string_view field, double lo, double hi) {
  double v = 0;
  if (!node.IsScalar() || !parse_double(node.Scalar(), v)) {
    ctx.report(Code::kWrongType, node, {std::string(field), "a number", describe(node)});
    return std::nullopt;
  }
  if (v < lo || v > hi) {
    ctx.report(Code::kOutOfRange, node, {std::string(field), range_text(lo, hi), node.Scalar()});
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> read_integer(const Context& ctx, const YAML::Node& node,
                                     std::string_view field, uint64_t lo, uint64_t hi) {
  if (!node.IsScalar()) {
    ctx.report(Code::kWrongType, node, {std::string(field), "an integer", describe(node)});
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  uint64_t v = 0;
  const char* first = s.data();
  if (!s.empty() && *first == '+') ++first;
  const auto r = std::from_chars(first, s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
    if (v < lo || v > hi) {
      ctx.report(
          Code::kOutOfRange, node,
          {std::string(field), "between " + std::to_string(lo) + " and " + std::to_string(hi), s});
      return std::nullopt;
    }
    return v;
  }
  // A negative or fractional number is a range problem, not a type problem.
  double d = 0;
  if (parse_double(s, d)) {
    ctx.report(Code::kOutOfRange, node,
               {std::string(field),
                "an integer between " + std::to_string(lo) + " and " + std::to_string(hi), s});
  } else {
    ctx.report(Code::kWrongType, node, {std::string(field), "an integer", describe(node)});
  }
  return std::nullopt;
}

std::optional<bool> read_bool(const Context& ctx, const YAML::Node& node, std::string_view field) {
  if (node.IsScalar()) {
    std::string s = node.Scalar();
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  ctx.report(Code::kWrongType, node, {std::string(field), "true or false", describe(node)});
  return std::nullopt;
}

std::optional<models::Labels> read_string_map(const Context& ctx, const YAML::Node& node,
                                              std::string_view field) {
  if (!node.IsMap()) {
    ctx.report(Code::kWrongType, node,
               {std::string(field), "a mapping of names to strings", describe(node)});
    return std::nullopt;
  }
  models::Labels out;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;  // copies: it-> points into a temporary
    const YAML::Node v = it->second;
    if (!k.IsScalar() || !v.IsScalar()) {
      ctx.report(
          Code::kWrongType, k.IsScalar() ? v : k,
          {std::string(field), "a mapping of names to strings", describe(k.IsScalar() ? v : k)});
      ok = false;
      continue;
    }
    out[k.Scalar()] = v.Scalar();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<models::Headers> read_headers(const Context& ctx, const YAML::Node& node,
                                            std::string_view field) {
  auto map = read_string_map(ctx, node, field);
  if (!map) return std::nullopt;
  models::Headers out;
  // Document order, not the std::map's: the order a user wrote headers in is kept.
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string name = it->first.Scalar();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.emplace_back(std::move(name), it->second.Scalar());
  }
  return out;
}

std::optional<std::vector<std::string>> read_string_list(const Context& ctx, const YAML::Node& node,
                                                         std::string_view field,
                                                         std::vector<SourceLocation>* where) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    if (where) where->push_back(ctx.at(node));
    return out;
  }
  if (!node.IsSequence()) {
    ctx.report(Code::kWrongType, node, {std::string(field), "a list of strings", describe(node)});
    return std::nullopt;
  }
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (auto s = read_string(ctx, *it, field)) {
      out.push_back(*s);
      if (where) where->push_back(ctx.at(*it));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> read_enum(const Context& ctx, const YAML::Node& node,
                                     std::string_view field,
                                     const std::vector<std::string>& words) {
  auto s = read_string(ctx, node, field);
  if (!s) return std::nullopt;
  if (std::find(words.begin(), words.end(), *s) != words.end()) return s;
  ctx.report(Code::kUnknownValue, node, {std::string(field), *s, join(words, " or ")},
             suggest(*s, words));
  return std::nullopt;
}

std::optional<uint8_t> read_grpc_status(const Context& ctx, const YAML::Node& node, std::string_view field) {
  static const std::vector<std::string> names(policies::grpc_status_names().begin(),
                                              policies::grpc_status_names().end());
  auto s = read_enum(ctx, node, field, names);
  if (!s) return std::nullopt;
  return policies::grpc_status_code(*s);
}

// ---- Mapping ------------------------------------------------------------------------------

Mapping::Mapping(const Context& ctx, const YAML::Node& node, std::string what)
    : ctx_(&ctx), node_(node), what_(std::move(what)) {
  if (!node.IsDefined()) return;  // absent: the caller reports it if it is required
  if (!node.IsMap()) {
    ctx.report(Code::kWrongType, node, {what_, "a mapping", describe(node)});
    return;
  }
  is_mapping_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
    entries_.emplace_back(key, std::make_pair(it->first, it->second));
  }
}

Mapping::Mapping(const Context& ctx, const YAML::Node& node, std::string what,
                 std::initializer_list<std::string_view> known)
    : Mapping(ctx, node, std::move(what), std::vector<std::string>(known.begin(), known.end())) {}

Mapping::Mapping(const Context& ctx, const YAML::Node& node, std::string what,
                 const std::vector<std::string>& known)
    : Mapping(ctx, node, std::move(what)) {
  for (const auto& [key, kv] : entries_) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string hint = suggest(key, known);
    ctx.report(Code::kUnknownField, kv.first, {key.empty() ? describe(kv.first) : key, what_},
               hint);
    if (!hint.empty()) suggested_.push_back(hint);
  }
}

Mapping Mapping::lenient(const Context& ctx, const YAML::Node& node, std::string what) {
  return Mapping(ctx, node, std::move(what));
}

YAML::Node Mapping::get(std::string_view key) const {
  for (const auto& [k, kv] : entries_) {
    if (k == key && !kv.second.IsNull()) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node Mapping::require(std::string_view key) const {
  YAML::Node n = get(key);
  // A misspelling of `key` was already reported with `key` as its did-you-mean: once is enough.
  if (!n.IsDefined() && is_mapping_ && !misspelt(key)) {
    ctx_->report(Code::kMissingField, node_, {std::string(key), what_});
  }
  return n;
}

bool Mapping::misspelt(std::string_view key) const {
  return std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end();
}

bool Mapping::misspelt_any(std::initializer_list<std::string_view> keys) const {
  return std::any_of(keys.begin(), keys.end(), [this](std::string_view k) { return misspelt(k); });
}

std::vector<std::string> Mapping::present(std::initializer_list<std::string_view> keys) const {
  std::vector<std::string> out;
  for (std::string_view k : keys) {
    if (has(k)) out.emplace_back(k);
  }
  return out;
}

SourceLocation Mapping::where(std::string_view key) const {
  const YAML::Node n = get(key);
  return n.IsDefined() ? ctx_->at(n) : where();
}

std::optional<std::string> Mapping::string(std::string_view key) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_string(*ctx_, n, key);
}

std::optional<std::string> Mapping::required_string(std::string_view key) const {
  const YAML::Node n = require(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_string(*ctx_, n, key);
}

std::optional<double> Mapping::number(std::string_view key, double lo, double hi) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_number(*ctx_, n, key, lo, hi);
}

std::optional<uint64_t> Mapping::integer(std::string_view key, uint64_t lo, uint64_t hi) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_integer(*ctx_, n, key, lo, hi);
}

std::optional<bool> Mapping::boolean(std::string_view key) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_bool(*ctx_, n, key);
}

std::optional<models::Labels> Mapping::string_map(std::string_view key) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_string_map(*ctx_, n, key);
}

std::optional<models::Headers> Mapping::headers(std::string_view key) const {
  const YAML::Node n = get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_headers(*ctx_, n, key);
}

}  // namespace meshsim::scenarios::internal
