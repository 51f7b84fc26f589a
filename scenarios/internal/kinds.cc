// The table of Kubernetes and Istio kinds; see kinds.h.
#include "scenarios/internal/kinds.h"

#include <algorithm>

#include "scenarios/internal/suggest.h"

namespace meshsim::scenarios::internal {

namespace {

struct Kind {
  const char* name;
  const char* not_simulated;  // nullptr: simulated
};

struct Group {
  const char* name;  // "" for Kubernetes' core group (apiVersion "v1")
  std::vector<std::string> versions;
  std::vector<Kind> kinds;
};

constexpr const char* kSecurity =
    "security policies are not simulated yet: every request is allowed, as if it were absent";

const std::vector<Group>& groups() {
  static const std::vector<Group> kGroups = {
      {"",
       {"v1"},
       {{"Service", nullptr},
        {"ServiceAccount", "workload identities matter only to security policies, which are not simulated yet"},
        {"ConfigMap", "application configuration is not simulated"},
        {"Secret", "credentials are not simulated"},
        {"Namespace", "namespaces come from each document's metadata.namespace"},
        {"Pod", "bare pods are not simulated: workloads come from Deployments or a Topology"},
        {"Endpoints", "endpoints are derived from Services and the pods they select"},
        {"PersistentVolumeClaim", "storage is not simulated"},
        {"PersistentVolume", "storage is not simulated"},
        {"LimitRange", "resource limits are not simulated"},
        {"ResourceQuota", "resource quotas are not simulated"},
        {"ReplicationController", "its pods are not simulated: calls to them find no endpoint"},
        {"List", nullptr}}},  // its items are read as documents (documents.cc), never the List
      {"apps",
       {"v1"},
       {{"Deployment", nullptr},
        {"StatefulSet", "its pods are not simulated: calls to a Service selecting only them find no endpoint"},
        {"DaemonSet", "its pods are not simulated: calls to a Service selecting only them find no endpoint"},
        {"ReplicaSet", "its pods are not simulated: calls to a Service selecting only them find no endpoint"},
        {"ControllerRevision", "rollout history is not simulated"}}},
      {"networking.istio.io",
       {"v1", "v1beta1", "v1alpha3"},
       {{"VirtualService", nullptr},
        {"DestinationRule", nullptr},
        {"Gateway", "ingress and egress gateways are not simulated: only VirtualServices bound to the mesh apply"},
        {"ServiceEntry", "external services are not simulated: calls to their hosts find no cluster (503 NC)"},
        {"Sidecar", "sidecar scoping is not simulated: every sidecar sees every service"},
        {"EnvoyFilter", nullptr},  // its patches: istio_envoy_filter.cc (MSH0315 for the rest)
        {"WorkloadEntry", "VM workloads are not simulated"},
        {"WorkloadGroup", "VM workloads are not simulated"},
        {"ProxyConfig", "proxy settings are not simulated: Istio's defaults apply"}}},
      {"security.istio.io",
       {"v1", "v1beta1"},
       {{"AuthorizationPolicy", kSecurity}, {"PeerAuthentication", kSecurity}, {"RequestAuthentication", kSecurity}}},
      {"telemetry.istio.io",
       {"v1", "v1alpha1"},
       {{"Telemetry", "telemetry settings are not simulated: Istio's standard metrics are reported"}}},
      {"extensions.istio.io", {"v1alpha1"}, {{"WasmPlugin", "Wasm plugins are not simulated"}}},
      // LitmusChaos (litmus.h): a ChaosEngine's pod-delete experiments are read as a dry run.
      {"litmuschaos.io",
       {"v1alpha1"},
       {{"ChaosEngine", nullptr},
        {"ChaosExperiment", "an experiment's definition (image, args) is not read: meshsim knows pod-delete's behaviour"},
        {"ChaosResult", "results of past runs are not read"},
        {"ChaosSchedule", "Litmus schedules are not imported yet: repeat the events in a Timeline"}}},
      // Chaos Mesh (chaos_mesh.h): PodChaos, NetworkChaos and StressChaos are read as a dry run; the others are named.
      {"chaos-mesh.org",
       {"v1alpha1"},
       {{"PodChaos", nullptr},
        {"NetworkChaos", nullptr},
        {"StressChaos", nullptr},
        {"HTTPChaos", "HTTP faults from Chaos Mesh are not imported yet: write them as Timeline injectErrors / addLatency "
                      "events; note that chaos-tproxy meets Istio's mTLS on sidecar pods and passes it through untouched "
                      "(chaos-mesh#4389, #3873): there the real experiment injects nothing"},
        {"IOChaos", "disk faults are not simulated"},
        {"DNSChaos", "DNS is not simulated: mesh calls resolve through EDS"},
        {"TimeChaos", "clock skew is not simulated"},
        {"KernelChaos", "kernel faults are not simulated"},
        {"JVMChaos", "JVM faults are not simulated"},
        {"BlockChaos", "block-device faults are not simulated"},
        {"AWSChaos", "cloud faults are not simulated"},
        {"GCPChaos", "cloud faults are not simulated"},
        {"AzureChaos", "cloud faults are not simulated"},
        {"PhysicalMachineChaos", "physical machines are not simulated"},
        {"Schedule", "Chaos Mesh schedules are not imported yet: repeat the events in a Timeline"},
        {"Workflow", "Chaos Mesh workflows are not imported yet: write the steps as Timeline events"},
        {"StatusCheck", "status checks are not imported yet: use an Experiment's expect list"}}},
  };
  return kGroups;
}

}  // namespace

KindVerdict classify_kind(const std::string& api_version, const std::string& kind) {
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  const auto& gs = groups();
  const auto g = std::find_if(gs.begin(), gs.end(), [&](const Group& x) { return group == x.name; });
  if (g == gs.end())
    return {KindVerdict::Status::kNotSimulated, "the " + (group.empty() ? api_version : group) +
                                                    " API group is not simulated",
            "", ""};
  if (std::find(g->versions.begin(), g->versions.end(), version) == g->versions.end()) {
    std::string versions;
    for (const std::string& v : g->versions)
      versions += (versions.empty() ? "" : ", ") + (group.empty() ? v : group + "/" + v);
    return {KindVerdict::Status::kUnsupportedVersion, "", "", versions};
  }
  for (const Kind& k : g->kinds) {
    if (kind != k.name) continue;
    if (k.not_simulated == nullptr) return {KindVerdict::Status::kSimulated, "", "", ""};
    return {KindVerdict::Status::kNotSimulated, k.not_simulated, "", ""};
  }
  std::vector<std::string> names;
  for (const Kind& k : g->kinds) names.emplace_back(k.name);
  return {KindVerdict::Status::kUnknownKind, "", suggest(kind, names), ""};
}

}  // namespace meshsim::scenarios::internal
