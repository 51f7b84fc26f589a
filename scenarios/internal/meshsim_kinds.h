// meshsim's own kinds (apiVersion meshsim.dev/v1alpha1) -> the draft.  Internal to scenarios/.
// One file per kind: topology.cc (with handlers.cc for the handler scripts), load.cc,
// timeline.cc, experiment.cc.  These documents are strict: an unknown field is an error with a
// did-you-mean.  The fields and their defaults are listed in scenarios/README.md.
#pragma once

#include <string>
#include <vector>

#include "scenarios/internal/documents.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

void read_topology(const Context& ctx, const Document& doc, Draft& draft);
void read_load(const Context& ctx, const Document& doc, Draft& draft);
// `reader` reads the files that 'apply' events name.
void read_timeline(const Context& ctx, const Document& doc, Draft& draft, DocumentReader& reader);
void read_experiment(const Context& ctx, const Document& doc, Draft& draft);
// The Experiment's `expect:` list (expectations.cc): one ExpectationConfig per criterion, and
// its ExpectationSite, appended to the draft.
void read_expectations(const Context& ctx, const Document& doc, const YAML::Node& node,
                       Draft& draft);
// The Experiment's `check:` mapping.
void read_check_settings(const Context& ctx, const YAML::Node& node, models::CheckConfig& out);

// A workload's handlers list; `owner` names the workload in messages.  Appends one CallSite per
// CallStep, in traversal order.
std::optional<std::vector<models::HandlerConfig>> read_handlers(const Context& ctx,
                                                                const YAML::Node& node,
                                                                const std::string& owner,
                                                                std::vector<CallSite>& calls);

// Fills each Topology workload entry that `extends` another with the fields it does not give
// itself (workload_extends.cc; README.md "Topology", extends).  Before the entries are bound to
// Deployments.  Reports MSH0230 (unknown base) and MSH0231 (a cycle); such entries keep their
// own fields only.
void resolve_extends(Draft& draft, Diagnostics& diagnostics);

}  // namespace meshsim::scenarios::internal
