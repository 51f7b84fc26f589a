// The scenario loader: multi-document YAML (Kubernetes and Istio manifests as they are, plus
// meshsim's own kinds) -> one validated, immutable Scenario.  The language is documented in
// scenarios/README.md.
//
// Contract: load_scenario() either returns a Scenario whose MeshConfig is complete and
// consistent (every reference resolved, every value in range, defaults filled in) or throws
// ScenarioError holding every error it found, each with file:line:column.  It never returns a
// partly checked scenario and never stops at the first error.  Warnings and notes of a successful
// load are in Scenario::warnings.
//
// Thread safety: the functions keep no state between calls; several loads may run at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/config.h"
#include "scenarios/diagnostics.h"
#include "simcore/time.h"

namespace meshsim::scenarios {

// An Istio or Kubernetes document kept as it was given (after --set overrides), for the traffic
// management layer (issue #4) and for the results file.
struct Manifest {
  std::string api_version;  // "networking.istio.io/v1"
  std::string kind;         // "VirtualService"
  std::string name;
  std::string namespace_;  // Default: "default".
  SourceLocation where;    // the document's first line
  YAML::Node node;         // the whole document
};

struct SourceFile {
  std::string path;  // as it was given or resolved (relative to the including file)
  std::string text;  // full text
};

// Where one --set override went: the document it changed and the field path below it, as the
// override spelt it after the document ("spec.workloads[reviews-v3].workers").
struct AppliedOverride {
  std::string text;  // the override as given, "Experiment.spec.seed=7"
  std::string kind;  // the document's kind as the scenario spells it ("Experiment")
  std::string name;  // the document's name
  std::string path;  // "spec.seed"
};

struct Scenario {
  models::MeshConfig mesh;
  // Every networking.istio.io, security.istio.io and telemetry.istio.io document, unchanged, in
  // load order.  A later manifest with the same kind, namespace and name replaces an earlier one
  // (kubectl apply semantics; info MSH0008).
  std::vector<Manifest> istio;
  // Kinds meshsim does not model, once each with their count: "ServiceAccount (4)".
  std::vector<std::string> ignored_kinds;
  // Every file read, in load order (command-line files, included files, applied files).
  std::vector<SourceFile> sources;
  // Warnings and notes; errors are thrown instead.
  std::vector<Diagnostic> warnings;
  // Every override of LoadOptions::overrides, in order, and where it went (each one applied:
  // one that did not is an error).  Front ends refuse overrides their command would ignore
  // (meshsim compare: a candidate's seed, which common random numbers replace by the base's).
  std::vector<AppliedOverride> overrides;
};

struct LoadOptions {
  // --set overrides, "KIND[/NAME].path.to.field=VALUE", applied in order after every file is
  // read and before anything is converted.  See README.md, "Overrides".
  std::vector<std::string> overrides;
};

// Reads files and directories (recursively; *.yaml and *.yml, sorted by path), then the files
// their Experiment includes.  Throws ScenarioError with every error found; paths that hold no
// document at all (an empty directory) are one (MSH0015).
Scenario load_scenario(const std::vector<std::string>& files_or_dirs,
                       const LoadOptions& options = {});

// As load_scenario, from text (which may be empty: the defaults); `name` stands for the file name in locations, and relative
// include/apply paths are resolved against its directory (the working directory for "<string>").
Scenario load_scenario_text(const std::string& yaml, const std::string& name = "<string>",
                            const LoadOptions& options = {});

// A Go/Istio-style duration: one or more <decimal><unit> with unit ns, us (or µs), ms, s, m, h,
// e.g. "500ms", "1.5s", "1h30m", "0s".  Exact to the nanosecond (no floating point).  A leading
// '-' is accepted as in Go.  A bare number (even "0"), an unknown unit, whitespace or overflow
// give std::nullopt.
std::optional<simcore::Time> parse_duration(std::string_view text);

}  // namespace meshsim::scenarios
