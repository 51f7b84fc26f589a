// Reading YAML with locations: the diagnostics sink, where a node came from, and typed readers
// that report a wrong type or an out-of-range value at the offending node.  Internal to
// scenarios/.
//
// Every reader returns std::nullopt after reporting, so a converter carries on with the next
// field and one load reports every mistake.  Readers take `const YAML::Node&` on purpose:
// yaml-cpp's non-const operator[] silently turns a null or a list into a map.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/config.h"
#include "scenarios/diagnostics.h"

namespace meshsim::scenarios::internal {

// Collects diagnostics of one load.
class Diagnostics {
 public:
  // Adds make_diagnostic(code, where, args), its message followed by did_you_mean(suggestion).
  void report(Code code, SourceLocation where, const std::vector<std::string>& args,
              std::string_view suggestion = {});
  bool has_errors() const;
  const std::vector<Diagnostic>& items() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

// Where a node came from.  Nodes parsed from a file carry their 0-based line and column in
// Mark(), and the caller knows the file.  Nodes spliced in by a --set override are registered
// here with their pseudo-file "<--set N>", because yaml-cpp keeps no file name in a node.
class Locator {
 public:
  // Registers `node` alone.
  void add(const YAML::Node& node, SourceLocation where);
  // Registers `root` and everything under it; their marks are relative to a text that starts at
  // column `column_offset` (0-based) of line 1 of `file`.
  void add_tree(const YAML::Node& root, const std::string& file, int column_offset);
  // The 1-based location of `node`, read from `file` unless registered; {file, 0, 0} for an
  // undefined node.
  SourceLocation locate(const YAML::Node& node, const std::string& file) const;

 private:
  std::vector<std::pair<YAML::Node, SourceLocation>> registered_;
};

// Reading one document: its file, and where diagnostics go.
class Context {
 public:
  Context(Diagnostics& diagnostics, const Locator& locator, std::string file)
      : diagnostics_(&diagnostics), locator_(&locator), file_(std::move(file)) {}

  SourceLocation at(const YAML::Node& node) const { return locator_->locate(node, file_); }
  void report(Code code, const YAML::Node& at_node, const std::vector<std::string>& args,
              std::string_view suggestion = {}) const {
    diagnostics_->report(code, at(at_node), args, suggestion);
  }
  void report(Code code, SourceLocation where, const std::vector<std::string>& args,
              std::string_view suggestion = {}) const {
    diagnostics_->report(code, std::move(where), args, suggestion);
  }
  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() const { return *diagnostics_; }
  const Locator& locator() const { return *locator_; }

 private:
  Diagnostics* diagnostics_;
  const Locator* locator_;
  std::string file_;
};

// How a node reads in "got ..." messages: 'text' for a scalar, "a mapping", "a list", "nothing".
// `map[key]` when `map` is a mapping and the value is given and not null; else an undefined
// node.  Safe on a scalar, a list or an undefined node (yaml-cpp throws indexing a scalar).
YAML::Node child(const YAML::Node& map, const char* key);

std::string describe(const YAML::Node& node);
// A double in the shortest plain form, for messages: "0.5", "1e+09".
std::string format_number(double v);
// "a, b and c"
std::string join(const std::vector<std::string>& words, std::string_view last_sep = " and ");
// "'a', 'b', 'c'"
std::string quote_join(const std::vector<std::string>& words);
// "{app: reviews, version: v2}"
std::string format_labels(const models::Labels& labels);

// ---- Typed readers of one node.  `field` names the value in messages ("timeout").

std::optional<std::string> read_string(const Context& ctx, const YAML::Node& node,
                                       std::string_view field);
// A number in [lo, hi] (MSH0101 if not a number, MSH0104 if out of range).
std::optional<double> read_number(const Context& ctx, const YAML::Node& node,
                                  std::string_view field, double lo, double hi);
// An integer in [lo, hi].
std::optional<uint64_t> read_integer(const Context& ctx, const YAML::Node& node,
                                     std::string_view field, uint64_t lo, uint64_t hi);
std::optional<bool> read_bool(const Context& ctx, const YAML::Node& node, std::string_view field);
// A mapping of string to string (labels, selectors).
std::optional<models::Labels> read_string_map(const Context& ctx, const YAML::Node& node,
                                              std::string_view field);
// Request headers: a mapping, names lower-cased (HTTP/2 style, as Istio matches them).
std::optional<models::Headers> read_headers(const Context& ctx, const YAML::Node& node,
                                            std::string_view field);
// A list of strings; a single string reads as a list of one.  `where` receives each item's
// location when not null.
std::optional<std::vector<std::string>> read_string_list(
    const Context& ctx, const YAML::Node& node, std::string_view field,
    std::vector<SourceLocation>* where = nullptr);
// One of `words` (MSH0107 with a did-you-mean otherwise).
std::optional<std::string> read_enum(const Context& ctx, const YAML::Node& node,
                                     std::string_view field, const std::vector<std::string>& words);
// A gRPC status by Istio's upper-case name ("UNAVAILABLE"), as VirtualService grpcStatus takes
// it; its code (policies/grpc_status.h).  MSH0107 with a did-you-mean otherwise.
std::optional<uint8_t> read_grpc_status(const Context& ctx, const YAML::Node& node, std::string_view field);

// A YAML mapping read field by field.  A strict mapping (meshsim's kinds) reports every key not
// in `known` as MSH0103 with a did-you-mean; a lenient one (Kubernetes, Istio) ignores them.  A
// node that is not a mapping is reported (MSH0101) and reads as empty.
class Mapping {
 public:
  Mapping(const Context& ctx, const YAML::Node& node, std::string what,
          std::initializer_list<std::string_view> known);
  Mapping(const Context& ctx, const YAML::Node& node, std::string what,
          const std::vector<std::string>& known);
  static Mapping lenient(const Context& ctx, const YAML::Node& node, std::string what);

  // The value of `key`; an undefined node when absent or null (`key:` or `key: ~`).
  YAML::Node get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).IsDefined(); }
  // As get(), but reports MSH0102 (at the mapping) when absent, unless an unknown key was
  // already reported with `key` as its did-you-mean.
  YAML::Node require(std::string_view key) const;
  // Whether an unknown key was reported with `key` as its did-you-mean (then a "missing" or
  // "exactly one of" about `key` would say the same thing twice).
  bool misspelt(std::string_view key) const;
  bool misspelt_any(std::initializer_list<std::string_view> keys) const;
  // Which of `keys` are present, in the order given.
  std::vector<std::string> present(std::initializer_list<std::string_view> keys) const;
  // Keys in document order (for maps whose keys are data: zones, empirical percentiles).
  const std::vector<std::pair<std::string, std::pair<YAML::Node, YAML::Node>>>& entries() const {
    return entries_;
  }

  bool is_mapping() const { return is_mapping_; }
  const YAML::Node& node() const { return node_; }
  const std::string& what() const { return what_; }
  const Context& ctx() const { return *ctx_; }
  SourceLocation where() const { return ctx_->at(node_); }
  // Location of `key`'s value, or of the mapping when absent.
  SourceLocation where(std::string_view key) const;

  // Typed fields: std::nullopt when absent (nothing reported) or wrong (reported).  The
  // required_ variants also report absence.
  std::optional<std::string> string(std::string_view key) const;
  std::optional<std::string> required_string(std::string_view key) const;
  std::optional<double> number(std::string_view key, double lo, double hi) const;
  std::optional<uint64_t> integer(std::string_view key, uint64_t lo, uint64_t hi) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<models::Labels> string_map(std::string_view key) const;
  std::optional<models::Headers> headers(std::string_view key) const;

 private:
  Mapping(const Context& ctx, const YAML::Node& node, std::string what);
  const Context* ctx_;
  YAML::Node node_;
  std::string what_;
  bool is_mapping_ = false;
  std::vector<std::pair<std::string, std::pair<YAML::Node, YAML::Node>>> entries_;  // key, (k, v)
  std::vector<std::string> suggested_;  // did-you-means given for unknown keys
};

}  // namespace meshsim::scenarios::internal
