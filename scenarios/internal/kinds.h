// Which Kubernetes and Istio kinds meshsim reads, which it knows but does not simulate, and
// which it does not know.  Internal to scenarios/.
//
// Never silence (issue #14): a kind meshsim simulates is read; a kind it knows but does not
// simulate gets one warning per kind naming what is not simulated (MSH0013); a kind spelt
// unlike any kind of its API group, where that group's kinds are a closed list (Kubernetes'
// core and apps groups, Istio's groups), is an error with a did-you-mean (MSH0011); an API
// version the group does not have is an error naming the versions meshsim reads (MSH0012).
// Kinds of other groups (CRDs, autoscaling, policy, ...) are warned about as not simulated.
#pragma once

#include <string>
#include <vector>

namespace meshsim::scenarios::internal {

struct KindVerdict {
  enum class Status { kSimulated, kNotSimulated, kUnknownKind, kUnsupportedVersion } status;
  std::string what;        // kNotSimulated: what the run does without it
  std::string suggestion;  // kUnknownKind: the closest kind of the group, or ""
  std::string versions;    // kUnsupportedVersion: the versions meshsim reads, e.g. "v1, v1beta1"
};

// The verdict for a document's apiVersion and kind (both non-empty; not meshsim.dev's own).
KindVerdict classify_kind(const std::string& api_version, const std::string& kind);

}  // namespace meshsim::scenarios::internal
