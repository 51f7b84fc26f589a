// --set overrides: "KIND[/NAME].path.to.field=VALUE" applied to the documents' YAML trees after
// every file is read and before anything is converted.  Internal to scenarios/.
//
// Path syntax (README.md, "Overrides"): after KIND/NAME (NAME may be left out when exactly one
// document has that kind), components ".field" and "[sel]", where sel is an index ("[0]") or the
// value of a list item's `name` field ("[reviews-v3]").  Every component but the last must
// exist; the last may add a field to a mapping (meshsim's strict field check then catches a
// misspelling; for Kubernetes and Istio documents a warning says the field was added).  VALUE is
// parsed as YAML.  Errors are located in the pseudo-file "<--set N>", line 1, at the column of
// the failing component; replaced nodes are registered with the Locator so that errors found
// later in a value point into the --set text too.  An override that would change nothing (an
// Experiment's spec.include, read before overrides apply) is an error too (MSH0014).
#pragma once

#include <string>
#include <vector>

#include "scenarios/internal/documents.h"
#include "scenarios/internal/yaml_util.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

// Returns where each override that applied went, in order (Scenario::overrides).
std::vector<AppliedOverride> apply_overrides(std::vector<Document>& docs,
                                             const std::vector<std::string>& overrides,
                                             Diagnostics& diagnostics, Locator& locator);

}  // namespace meshsim::scenarios::internal
