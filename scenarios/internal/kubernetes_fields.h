// The fields of Kubernetes manifests that meshsim reads (kubernetes.cc, cpu_quantity.cc,
// documents.cc's headers), so that a --set on any other field is reported rather than silently
// changing nothing (MSH0406, issue #15).  Internal to scenarios/.
//
// Kept in step with the readers by hand: a field newly read there belongs here too (the tests in
// tests/scenarios/overrides_test.cpp set each listed field of a real manifest and check that the
// loaded mesh changes where a value is modelled).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meshsim::scenarios::internal {

// One resolved component of an override path: a field name, or a list index.
struct FieldStep {
  bool is_index = false;
  std::string field;  // when !is_index
  std::size_t index = 0;
};

// Whether setting `path` of a modelled Kubernetes kind (v1 Service, apps/v1 Deployment) can
// change what meshsim reads: the path leads to a read field, or lies inside one read whole
// (labels, a selector), or replaces a subtree holding read fields.  Other kinds: false.
bool kubernetes_path_is_read(std::string_view kind, const std::vector<FieldStep>& path);

// The read fields of `kind`, spelled for a message ("spec.replicas, spec.template...").
std::string kubernetes_read_fields(std::string_view kind);

}  // namespace meshsim::scenarios::internal
