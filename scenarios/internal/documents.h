// Files -> YAML documents: reading files and directories, splitting multi-document streams,
// following an Experiment's includes, and checking each document's header (apiVersion, kind,
// metadata).  Internal to scenarios/.
//
// A file is split at its "---" lines before parsing, so a syntax error costs only the document
// it is in, and every document keeps its own text (a timeline 'apply' needs it).  Each document
// is parsed with as many leading newlines as lines precede it, so yaml-cpp's marks are the
// file's own line numbers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

inline constexpr const char* kMeshsimGroup = "meshsim.dev";
inline constexpr const char* kMeshsimApiVersion = "meshsim.dev/v1alpha1";

enum class Family { kKubernetes, kIstio, kMeshsim };

struct Document {
  std::string file;
  YAML::Node root;
  std::string text;  // the document as written, from its "---" line (or the file's start)
  // The header, read without diagnostics by peek_header() and checked by check_header().
  std::string api_version;
  std::string kind;
  std::string name;
  std::string namespace_ = "default";
  Family family = Family::kKubernetes;
  bool header_ok = false;  // set by check_header: apiVersion, kind and metadata.name are usable

  std::string label() const { return kind + " '" + name + "'"; }  // "Workload 'x'" style
};

// Fills api_version/kind/name/namespace_/family from the document, reporting nothing.
void peek_header(Document& doc);
// Reports a missing or malformed header (MSH0003, 0004), an unsupported meshsim apiVersion
// (0006), an unknown meshsim kind (0005) and unknown top-level or metadata fields of meshsim
// documents (0103); sets header_ok.
void check_header(const Context& ctx, Document& doc);

// Reads scenario files.  Every file read is appended to `sources` once (by canonical path).
class DocumentReader {
 public:
  DocumentReader(Diagnostics& diagnostics, const Locator& locator, std::vector<SourceFile>& sources)
      : diagnostics_(&diagnostics), locator_(&locator), sources_(&sources) {}

  // A file, or a directory read recursively (*.yaml, *.yml, sorted by path).  A file already read
  // is skipped.  The documents are appended to `out`, each file's followed by the files its
  // Experiment includes.  A path that cannot be read is reported at `from` (an include item), or
  // at the path itself.
  void read_path(const std::string& path, std::vector<Document>& out,
                 const SourceLocation* from = nullptr);
  // Text standing for a file called `name`.
  void read_text(const std::string& text, const std::string& name, std::vector<Document>& out);
  // The documents of one file, without following includes, read again if already read (a
  // timeline 'apply' file).  False if it cannot be read (reported at `from`).
  bool read_file_documents(const std::string& path, std::vector<Document>& out,
                           const SourceLocation& from);

 private:
  void read_file(const std::string& path, std::vector<Document>& out, const SourceLocation* from,
                 bool follow_includes);
  void parse(const std::string& text, const std::string& name, std::vector<Document>& out,
             bool follow_includes);
  void follow_includes(const Document& doc, std::vector<Document>& out);
  static bool is_list(const Document& doc);
  void expand_list(const Document& list, std::vector<Document>& out);

  Diagnostics* diagnostics_;
  const Locator* locator_;
  std::vector<SourceFile>* sources_;
  std::map<std::string, std::size_t> read_;  // canonical path -> index in sources
};

}  // namespace meshsim::scenarios::internal
