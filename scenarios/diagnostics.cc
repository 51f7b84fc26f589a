// The diagnostic catalogue and the rendering of diagnostics; see diagnostics.h.
//
// Adding a code: append a row with the next free number in its group, add the Code enumerator,
// and add the row to the table in scenarios/README.md (diagnostics_test checks both).  Never
// renumber or reuse a code: mark a retired one "(retired)" in its description instead.
#include "scenarios/diagnostics.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace meshsim::scenarios {
namespace {

constexpr Level E = Level::kError;
constexpr Level W = Level::kWarning;
constexpr Level I = Level::kInfo;

constexpr CatalogueEntry kCatalogue[] = {
    // ---- Reading files and documents.
    {Code::kReadFailed, "MSH0001", E, "ReadFailed",
     "A file or directory named on the command line or in an include could not be read.",
     "cannot read '{0}': {1}"},
    {Code::kYamlSyntax, "MSH0002", E, "YamlSyntax",
     "The text is not valid YAML; that document is skipped.", "YAML syntax error: {0}"},
    {Code::kNotAMapping, "MSH0003", E, "NotAMapping",
     "A document is not a mapping with apiVersion, kind, metadata and spec.",
     "a document must be a mapping with apiVersion, kind, metadata and spec; got {0}"},
    {Code::kMissingHeader, "MSH0004", E, "MissingHeader",
     "A document lacks apiVersion, kind or metadata.name.", "missing '{0}' in {1}"},
    {Code::kUnknownKind, "MSH0005", E, "UnknownKind",
     "A meshsim.dev document has a kind meshsim does not define.",
     "unknown kind '{0}' in {1}; meshsim defines Topology, Load, Timeline and Experiment"},
    {Code::kUnsupportedVersion, "MSH0006", E, "UnsupportedVersion",
     "A meshsim.dev document has an apiVersion this meshsim does not read.",
     "apiVersion '{0}' is not supported; use '{1}'"},
    {Code::kDuplicateDocument, "MSH0007", E, "DuplicateDocument",
     "Two meshsim documents (or a Kubernetes Service and a Topology service) have the same kind, "
     "namespace and name.",
     "duplicate {0} '{1}' (first defined at {2})"},
    {Code::kReplacedManifest, "MSH0008", I, "ReplacedManifest",
     "A later Istio or Kubernetes manifest with the same kind, namespace and name replaces an "
     "earlier one, as kubectl apply would.",
     "{0} '{1}' replaces the one defined at {2}"},
    {Code::kMultipleExperiments, "MSH0009", E, "MultipleExperiments",
     "A scenario has more than one Experiment.",
     "a scenario has at most one Experiment; '{0}' comes after the one at {1}"},
    {Code::kNoYamlFiles, "MSH0010", W, "NoYamlFiles", "A directory holds no .yaml or .yml file.",
     "directory '{0}' contains no .yaml or .yml files"},
    {Code::kUnknownApiKind, "MSH0011", E, "UnknownApiKind",
     "A Kubernetes or Istio document's kind is not a kind of its API group (a misspelling, most "
     "often); the API server would refuse it.",
     "unknown kind '{0}' in {1}"},
    {Code::kUnsupportedApiVersion, "MSH0012", E, "UnsupportedApiVersion",
     "A Kubernetes or Istio document's apiVersion is not one meshsim reads for its API group.",
     "apiVersion '{0}' is not one meshsim reads; it reads {1}"},
    {Code::kNotSimulated, "MSH0013", W, "NotSimulated",
     "A kind meshsim knows but does not simulate: said once per kind, with what the run does "
     "without it.",
     "{0} ({1} document(s)) is not simulated: {2}"},
    // A --set override, numbered here rather than after MSH0405.
    {Code::kOverrideHasNoEffect, "MSH0014", E, "OverrideHasNoEffect",
     "A --set changes a field that is read before overrides apply (an Experiment's include), so "
     "it would change nothing.",
     "--set '{0}' would change nothing: {1}"},
    {Code::kEmptyScenario, "MSH0015", E, "EmptyScenario",
     "The files and directories given hold no document at all (an empty directory, most often); "
     "there is nothing to simulate.",
     "no document in {0}; a scenario needs at least a Topology (or Kubernetes manifests) and a "
     "Load"},
    // ---- Fields and values.
    {Code::kWrongType, "MSH0101", E, "WrongType",
     "A value has the wrong type (a word where a number or duration is expected, a list where a "
     "mapping is, ...).",
     "{0}: expected {1}, got {2}"},
    {Code::kMissingField, "MSH0102", E, "MissingField", "A required field is absent.",
     "missing required field '{0}' in {1}"},
    {Code::kUnknownField, "MSH0103", E, "UnknownField",
     "A meshsim document, VirtualService or DestinationRule has a field that its kind does not "
     "define (usually a typo).",
     "unknown field '{0}' in {1}"},
    {Code::kOutOfRange, "MSH0104", E, "OutOfRange",
     "A number or duration is outside the range that makes sense.", "{0} must be {1}, got {2}"},
    {Code::kExactlyOneOf, "MSH0105", E, "ExactlyOneOf",
     "A step, distribution, schedule entry or timeline event needs exactly one of several keys.",
     "{0} needs exactly one of {1}; got {2}"},
    {Code::kInvalidDistribution, "MSH0106", E, "InvalidDistribution",
     "A distribution's parameters are rejected (for example median >= p99).",
     "invalid distribution: {0}"},
    {Code::kUnknownValue, "MSH0107", E, "UnknownValue",
     "A field that takes one of a few words has another.",
     "{0}: unknown value '{1}'; expected one of {2}"},
    {Code::kDuplicateName, "MSH0108", E, "DuplicateName",
     "Two items of one list (workloads, services, ports, zones) have the same name, or two "
     "Topologies set the same thing.",
     "duplicate {0} '{1}' (first at {2})"},
    {Code::kConflictingFields, "MSH0109", E, "ConflictingFields",
     "Two fields that exclude each other are both given.",
     "'{0}' cannot be used together with {1}"},
    {Code::kNotIncreasing, "MSH0110", E, "NotIncreasing",
     "Entries of a schedule are not in increasing order of 'at'.",
     "{0} must come after the previous entry ({1}), got {2}"},
    // ---- References between documents.
    {Code::kCallToUnknownService, "MSH0201", E, "CallToUnknownService",
     "A handler calls a service that no Kubernetes Service or Topology service defines.",
     "call to unknown service '{0}' from workload '{1}'"},
    {Code::kLoadToUnknownService, "MSH0202", E, "LoadToUnknownService",
     "A Load targets a service that no Kubernetes Service or Topology service defines.",
     "Load '{0}' targets unknown service '{1}'"},
    {Code::kUnknownPort, "MSH0203", E, "UnknownPort",
     "A call or load names a port that its service does not expose.",
     "service '{0}' has no port {1}; its ports are {2}"},
    {Code::kSelectorMatchesNoPod, "MSH0204", E, "SelectorMatchesNoPod",
     "A timeline event selects pods, but no pod matches its service, workload and zone.",
     "{0}: no pod matches {1}"},
    {Code::kUnknownZone, "MSH0205", E, "UnknownZone",
     "A zone is named that the Topology's zones do not list.",
     "unknown zone '{0}'; the zones are {1}"},
    {Code::kUnknownService, "MSH0206", E, "UnknownService",
     "A workload or timeline event names a service that is not defined.",
     "unknown service '{0}' in {1}"},
    {Code::kCallCycle, "MSH0207", E, "CallCycle",
     "Services call each other in a cycle, which would recurse without end; set Experiment "
     "spec.maxCallDepth to simulate it anyway.",
     "call cycle {0}; set Experiment spec.maxCallDepth to bound the recursion"},
    {Code::kNoBehaviour, "MSH0208", W, "NoBehaviour",
     "A Deployment has no Topology workload entry, so its pods do no work and call nothing.",
     "workload '{0}' has no behaviour; it answers at once"},
    {Code::kServiceWithoutWorkloads, "MSH0209", W, "ServiceWithoutWorkloads",
     "No workload's labels match a service's selector, so calls to it fail.",
     "service '{0}' has no workloads (nothing matches its selector {1}); requests to it fail with "
     "503"},
    {Code::kDeploymentWithoutService, "MSH0210", W, "DeploymentWithoutService",
     "A Deployment's labels match no Service's selector, so it can receive no traffic; it is left "
     "out.",
     "Deployment '{0}' backs no Service (labels {1}); it is left out"},
    {Code::kLabelsDoNotMatchSelector, "MSH0211", E, "LabelsDoNotMatchSelector",
     "A workload names its service, but its labels do not match that service's selector.",
     "labels {0} of workload '{1}' do not match the selector {2} of service '{3}'"},
    {Code::kKillCountExceedsPods, "MSH0212", W, "KillCountExceedsPods",
     "killPods asks for more pods than its selector matches; all matching pods are killed.",
     "killPods count {0} exceeds the {1} pod(s) that match {2}"},
    {Code::kRemoveNamesNothing, "MSH0213", E, "RemoveNamesNothing",
     "A timeline 'remove' names no manifest of the scenario.",
     "remove: no {0} '{1}' in namespace '{2}'"},
    {Code::kApplyMeshsimKind, "MSH0214", E, "ApplyMeshsimKind",
     "A timeline 'apply' holds a meshsim document; only Istio and Kubernetes manifests can be "
     "applied.",
     "apply: {0} is a meshsim kind; only Istio and Kubernetes manifests can be applied"},
    {Code::kPartitionUnknownSide, "MSH0215", E, "PartitionUnknownSide",
     "A partition side is neither a service nor a zone.",
     "partition: '{0}' is neither a service nor a zone"},
    {Code::kExpectationNamesNothing, "MSH0216", E, "ExpectationNamesNothing",
     "An expectation names a workload, version, caller, Load or timeline event that the "
     "scenario does not have.",
     "{0}: there is no {1} called '{2}' (there are {3})"},
    {Code::kPortNameIsNotUnderNamingConvention, "MSH0217", I, "PortNameIsNotUnderNamingConvention",
     "A Service port's name (or appProtocol) names no protocol Istio knows, so the sidecars "
     "sniff it; meshsim runs it as HTTP, which its applications speak.  Mirrors Istio's IST0118 "
     "(an info message, the same wording).",
     "Port name {0} (port: {1}, targetPort: {2}) doesn't follow the naming convention of Istio "
     "port; protocol detection is applied to the port (meshsim: HTTP)"},
    {Code::kCallToTcpPort, "MSH0218", E, "CallToTcpPort",
     "A Load goes to a port Istio handles as TCP (tcp, tls, https, mongo, mysql, redis, an "
     "unnamed 25/53/3306/27017), or a call or Load to a UDP port.  A handler's call to a TCP port "
     "is a request on a pooled connection (tcpClient); a Load's clients speak HTTP or gRPC; UDP "
     "is not captured by the sidecars and not modelled.",
     "{0} goes to port {1} ({2}) of service '{3}', which is {4}"},
    {Code::kCallFieldIgnored, "MSH0219", W, "CallFieldIgnored",
     "A call sets a field that the kind of port it calls does not have: path, method or headers "
     "on a TCP port (tcp_proxy sees bytes, not requests), tcpClient on an HTTP port.  It is "
     "ignored.",
     "{0} is ignored on a call to {1}, which is {2}"},
    // Kubernetes discovery (Services' ports, headless and ExternalName Services).
    {Code::kTargetPortNotDeclared, "MSH0220", W, "TargetPortNotDeclared",
     "A Service port's targetPort names a container port that a Deployment it selects does not "
     "declare; Kubernetes (FindPort) leaves that Deployment's pods out of that port's endpoints. "
     "meshsim keeps one endpoint set per Service, so the run still sends that port's requests "
     "to them.",
     "Service '{0}' port {1}: targetPort '{2}' is not a container port of Deployment '{3}', so "
     "Kubernetes leaves its pods out of this port's endpoints; meshsim keeps one endpoint set per "
     "Service and still sends this port's requests to them"},
    {Code::kHeadlessService, "MSH0221", I, "HeadlessService",
     "A headless Service (clusterIP: None): as Istio's ORIGINAL_DST cluster, each request goes to "
     "the pod the client's DNS lookup returned (uniformly among the ready pods), with no load "
     "balancer (a DestinationRule's loadBalancer and outlier ejection do not choose the pod) and "
     "sidecar retries to the same pod. The application's DNS caching is not modelled: each "
     "request looks the name up anew.",
     "Service '{0}' is headless (clusterIP: None): each request goes to a pod picked as the "
     "client's DNS lookup would (ORIGINAL_DST: no load balancer, retries to the same pod); DNS "
     "caching in the application is not modelled"},
    {Code::kExternalNameAlias, "MSH0222", I, "ExternalNameAlias",
     "An ExternalName Service points at a service of the mesh; as Istio 1.21+ does "
     "(ENABLE_EXTERNAL_NAME_ALIAS), calls to it are calls to that service.",
     "ExternalName Service '{0}' is an alias of '{1}': calls to it go to '{1}', as in Istio 1.21+"},
    {Code::kExternalNameOutsideMesh, "MSH0223", W, "ExternalNameOutsideMesh",
     "An ExternalName Service points at a host outside the mesh, which meshsim does not "
     "simulate: it has no endpoints, so calls to it fail.",
     "ExternalName Service '{0}' points at '{1}', which is not a service of the scenario; "
     "external hosts are not simulated, so calls to it find no endpoint and fail"},
    {Code::kRulesForExternalName, "MSH0224", W, "RulesForExternalName",
     "A VirtualService or DestinationRule is written for an ExternalName Service's host; Istio "
     "1.21+ treats that Service as an alias of its target, so rules for the alias host do not "
     "apply (write them for the target).",
     "{0} '{1}' is written for '{2}', an ExternalName alias of '{3}'; Istio 1.21+ does not "
     "apply rules written for the alias host (write them for '{3}')"},
    {Code::kConflictingTargetPorts, "MSH0225", W, "ConflictingTargetPorts",
     "Services selecting the same workload send different ports to the same targetPort; Istio's "
     "analyzer warns (IST0137 DeploymentConflictingPorts: they must refer to the same port). "
     "meshsim does not model what that breaks in Istio's inbound configuration.",
     "workload '{0}' is selected by Services {1} that send ports {2} to the same targetPort "
     "'{3}'; Istio requires one port per targetPort (IST0137), which meshsim does not check "
     "further"},
    {Code::kTcpRouteDestinationSubnets, "MSH0226", W, "TcpRouteDestinationSubnets",
     "A VirtualService tcp route match has destinationSubnets.  Istio turns it into a filter "
     "chain matched on the connection's destination address; meshsim gives Services no "
     "addresses, so such a match never applies here (the route is used only through its other "
     "matches).",
     "{0}: destinationSubnets {1} is not evaluated (meshsim has no IP addresses); this match "
     "never applies"},
    {Code::kSelectionPicksNoPod, "MSH0227", W, "SelectionPicksNoPod",
     "(retired) A timeline event's select (fixed-percent or random-max-percent) rounding down to "
     "no pod.  Chaos Mesh rounds percents up since 2.2 (chaos-mesh#3036), so a percent of at "
     "least 1 picks at least one pod; meshsim no longer reports it.",
     "{0}: {1} of {2} matching pod(s) is floor({3}) = 0 pods; the action hits nothing"},
    {Code::kNetworkFaultOnProbes, "MSH0228", W, "NetworkFaultOnProbes",
     "A network fault without a target is on all of the selected pods' egress, so the kubelet's "
     "readiness probes cross it too (Chaos Mesh filters nothing then).  A partition, a loss, or "
     "a delay past the probe's 1 s timeout can fail the probes and turn the pod not ready; "
     "meshsim does not fail probes through network faults.",
     "{0}: without a target the {1} also hits the kubelet's readiness probes; a real pod may "
     "turn not ready (meshsim does not fail probes through it)"},
    {Code::kBandwidthWithoutSizes, "MSH0229", W, "BandwidthWithoutSizes",
     "A bandwidth limit delays messages by their size, and meshsim knows a message's size only "
     "from its call's requestBytes / responseBytes; no call in the scenario gives one, so the "
     "limit delays nothing.",
     "{0}: no call gives requestBytes or responseBytes, so the bandwidth limit delays nothing"},
    {Code::kUnknownBaseWorkload, "MSH0230", E, "UnknownBaseWorkload",
     "A Topology workload 'extends' a workload that no Topology entry describes (in its "
     "namespace).",
     "workload '{0}' extends '{1}', which no Topology workload entry describes"},
    {Code::kExtendsCycle, "MSH0231", E, "ExtendsCycle",
     "Topology workloads extend each other in a cycle.",
     "workloads extend each other in a cycle: {0}"},
    {Code::kLoadFromUnknownWorkload, "MSH0232", E, "LoadFromUnknownWorkload",
     "A Load's 'from' names no workload (Deployment or Topology workload entry) of its namespace.",
     "Load '{0}' runs from unknown workload '{1}'"},
    {Code::kLoadFromContradictsInMesh, "MSH0233", E, "LoadFromContradictsInMesh",
     "A Load runs from a workload ('from') and its 'inMesh' says otherwise than that workload's "
     "sidecar: its clients go through their pod's sidecar exactly when the workload has one.",
     "Load '{0}': inMesh: {1} contradicts workload '{2}', whose pods {3}; leave 'inMesh' out"},
    {Code::kLoadFromNoPods, "MSH0234", W, "LoadFromNoPods",
     "A Load runs from a workload that has no pods (replicas: 0), so it sends no request.",
     "Load '{0}' runs from workload '{1}', which has no pods (replicas: 0); it sends no request"},
    {Code::kClientWorkloadHandlersNeverRun, "MSH0235", W, "ClientWorkloadHandlersNeverRun",
     "A workload that backs no Service is kept because a Load runs from it ('from'), but its Topology "
     "entry gives it handlers: nothing can call it, so they never run.",
     "workload '{0}' backs no Service and is kept as the client of Load '{1}'; nothing calls it, so "
     "its handlers never run"},
    {Code::kChaosFieldNotSimulated, "MSH0236", W, "ChaosFieldNotSimulated",
     "A Chaos Mesh experiment field that does not change what meshsim's dry run does, or that it "
     "does not simulate; the field is named and left out.",
     "{0}: '{1}' is not simulated: {2}"},
    {Code::kChaosSelectorNotSimulated, "MSH0237", E, "ChaosSelectorNotSimulated",
     "A Chaos Mesh selector field meshsim cannot evaluate (pod names, nodes, expressions, "
     "annotations, fields, several namespaces): ignoring it would hit other pods than the "
     "experiment would, so the dry run stops.",
     "{0}: selector '{1}' is not simulated ({2}); the dry run would hit other pods than Chaos Mesh"},
    {Code::kAppliedManifestChangesNothing, "MSH0238", W, "AppliedManifestChangesNothing",
     "A Timeline event applies a manifest that changes nothing in the run: at a time meshsim applies "
     "VirtualServices and DestinationRules and starts Chaos Mesh and LitmusChaos experiments; other "
     "kinds are read once, at the start, or not simulated.",
     "{0} '{1}' applied at {2} changes nothing in the run: {3}"},
    {Code::kCpuStressWithoutLimit, "MSH0239", W, "CpuStressWithoutLimit",
     "A CPU stress hits a workload without a CPU limit.  The stressors run in the app container's "
     "cgroup and compete with the app only for its CFS quota; without a limit they compete for "
     "the node's cores, which meshsim does not model (it assumes idle ones), so the app is not "
     "slowed.  Give the workload a cpu limit, or use cpuSlowdown.",
     "{0} has no CPU limit: meshsim's node has idle cores for the stressors, so its app is not slowed"},
    // ---- Istio manifests.
    {Code::kUnknownDestinationHost, "MSH0301", E, "UnknownDestinationHost",
     "A VirtualService routes or mirrors to a host that names neither a service nor a "
     "ServiceEntry host by Istio's host rule (a short name gets the VirtualService's namespace, "
     "a name with a dot is taken as written); mirrors Istio's IST0101 ReferencedResourceNotFound "
     "(an error).",
     "VirtualService '{0}': Referenced {1} not found: \"{2}\"{3}"},
    {Code::kUnknownSubset, "MSH0302", E, "UnknownSubset",
     "A VirtualService routes to a subset that no DestinationRule for that host defines.",
     "VirtualService '{0}' routes to subset '{1}' of '{2}', which no DestinationRule defines "
     "({3})"},
    {Code::kAllWeightsZero, "MSH0303", E, "AllWeightsZero",
     "A route with several destinations gives all of them weight 0 (Istio rejects it).",
     "VirtualService '{0}': the weights of a route with {1} destinations are all 0"},
    {Code::kNegativeWeight, "MSH0304", E, "NegativeWeight",
     "A route destination has a negative weight.",
     "VirtualService '{0}': weight must be >= 0, got {1}"},
    {Code::kConflictingVirtualServiceHost, "MSH0305", W, "ConflictingVirtualServiceHost",
     "Two VirtualServices that apply to sidecars have the same host; Istio does not merge them "
     "and uses the first (in load order), so the later one is ignored for that host (Istio's "
     "IST0109).",
     "VirtualService '{0}': host '{1}' already has VirtualService '{2}' (at {3}); Istio does not "
     "merge them for sidecars and uses the first, so '{0}' is ignored for this host"},
    {Code::kInvalidRetries, "MSH0306", E, "InvalidRetries",
     "A VirtualService retries block is rejected by Istio's validation (attempts 0 or missing "
     "with perTryTimeout or retryOn, an unknown retryOn token, a duration below 1ms, ...).",
     "{0}: invalid retries: {1}"},
    {Code::kInvalidRegex, "MSH0307", E, "InvalidRegex",
     "A VirtualService regex does not compile (meshsim uses ECMAScript regexes; RE2-only syntax "
     "such as (?i) is not supported).",
     "{0}: invalid regex '{1}': {2}"},
    {Code::kPercentageOutOfRange, "MSH0308", E, "PercentageOutOfRange",
     "A percentage (fault, mirror, retry budget, ejection) is outside [0, 100].",
     "{0} must be between 0 and 100, got {1}"},
    {Code::kUnsupportedLoadBalancer, "MSH0309", W, "UnsupportedLoadBalancer",
     "A DestinationRule asks for a load balancer meshsim does not model (PASSTHROUGH, or a "
     "consistent hash on a query parameter); what is used instead is said.",
     "{0}: load balancer {1} is not modelled; {2}"},
    {Code::kNotModelled, "MSH0310", I, "NotModelled",
     "A VirtualService or DestinationRule uses fields that have no effect on what meshsim "
     "simulates (rewrite, headers, corsPolicy, tcp and tls routes, tls, ...); they are accepted "
     "and left out. Once per manifest.",
     "{0}: accepted but not modelled (no effect on the simulation): {1}"},
    {Code::kPolicyNotModelled, "MSH0311", W, "PolicyNotModelled",
     "A VirtualService or DestinationRule uses a field that would change resilience behaviour "
     "but that meshsim does not model (portLevelSettings, workloadSelector, warmup, ...).",
     "{0}: '{1}' is not modelled; {2}"},
    {Code::kIgnoredByIstio, "MSH0312", W, "IgnoredByIstio",
     "A field is accepted by Istio's API but ignored when Istio programs Envoy (a deprecated or "
     "unsupported field), so it has no effect here either.",
     "{0}: '{1}' is ignored by Istio: {2}"},
    {Code::kHostMatchesNoService, "MSH0313", W, "HostMatchesNoService",
     "A VirtualService that applies to sidecars has a host that covers no service by Istio's "
     "host rule (a name with a dot is taken as written: 'reviews.default' is not "
     "reviews.default.svc.cluster.local), so it applies to no call; calls to the service keep "
     "its default route.",
     "VirtualService '{0}': host '{1}' (resolved as '{2}') names no service, so this "
     "VirtualService applies to no call"},
    {Code::kSubsetSelectsNoPod, "MSH0314", W, "SubsetSelectsNoPod",
     "A DestinationRule subset's labels select no pod of its host's service, so Envoy's cluster for "
     "it has no endpoint.",
     "DestinationRule '{0}': subset '{1}' selects no pod of service '{2}' (no workload has the "
     "labels {3}); requests routed to it get 503 UH"},
    {Code::kEnvoyFilterNotSimulated, "MSH0315", W, "EnvoyFilterNotSimulated",
     "An EnvoyFilter patch that meshsim does not simulate: only HTTP_FILTER patches that insert "
     "Envoy's adaptive concurrency or admission control filter into sidecars' inbound chain are "
     "read; every other patch is left out and named.",
     "EnvoyFilter '{0}': {1} is not simulated: {2}"},
    // ---- --set overrides.
    {Code::kBadOverrideSyntax, "MSH0401", E, "BadOverrideSyntax",
     "A --set is not KIND[/NAME].path=VALUE.",
     "--set '{0}': {1}; expected KIND[/NAME].path.to.field=VALUE"},
    {Code::kOverridePathNotFound, "MSH0402", E, "OverridePathNotFound",
     "A --set path names nothing in the scenario.", "--set '{0}': {1}"},
    {Code::kOverrideAmbiguous, "MSH0403", E, "OverrideAmbiguous",
     "A --set omits NAME but several documents have that kind.",
     "--set '{0}': there are {1} {2} documents; name one, as {2}/NAME"},
    {Code::kOverrideBadValue, "MSH0404", E, "OverrideBadValue", "A --set value is not valid YAML.",
     "--set '{0}': the value is not valid YAML: {1}"},
    {Code::kOverrideAddsField, "MSH0405", W, "OverrideAddsField",
     "A --set adds a field to a Kubernetes or Istio manifest that it did not have; meshsim cannot "
     "check its spelling.",
     "--set '{0}' adds field '{1}', which {2} did not have; check its spelling"},
    {Code::kOverrideNotRead, "MSH0406", W, "OverrideNotRead",
     "A --set changes a field meshsim does not read (of a Kubernetes manifest, or of a kind it "
     "does not simulate), so the run is the same as without it.",
     "--set '{0}' changes nothing meshsim simulates: {1}"},
};

std::string fill(std::string_view tmpl, const std::vector<std::string>& args) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9' &&
        tmpl[i + 2] == '}') {
      const auto k = static_cast<std::size_t>(tmpl[i + 1] - '0');
      assert(k < args.size() && "message template argument missing");
      if (k < args.size()) out += args[k];
      i += 2;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

}  // namespace

std::string SourceLocation::to_string() const {
  std::string s = file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  return s;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::kError:
      return "error";
    case Level::kWarning:
      return "warning";
    case Level::kInfo:
      return "info";
  }
  return "error";
}

std::string Diagnostic::to_string() const {
  std::string s = where.to_string();
  if (!s.empty()) s += ": ";
  s += scenarios::to_string(level);
  s += ' ';
  s += code;
  s += ": ";
  s += message;
  return s;
}

namespace {
std::string join_lines(const std::vector<Diagnostic>& diagnostics) {
  std::string s;
  for (const Diagnostic& d : diagnostics) {
    if (!s.empty()) s += '\n';
    s += d.to_string();
  }
  return s;
}
}  // namespace

ScenarioError::ScenarioError(std::vector<Diagnostic> ds)
    : std::runtime_error(join_lines(ds)), diagnostics(std::move(ds)) {}

std::span<const CatalogueEntry> catalogue() { return kCatalogue; }

const CatalogueEntry& catalogue_entry(Code code) {
  const auto* it = std::find_if(std::begin(kCatalogue), std::end(kCatalogue),
                                [code](const CatalogueEntry& e) { return e.code == code; });
  assert(it != std::end(kCatalogue) && "every Code has a catalogue entry");
  return *it;
}

Diagnostic make_diagnostic(Code code, SourceLocation where, const std::vector<std::string>& args) {
  const CatalogueEntry& e = catalogue_entry(code);
  return Diagnostic{std::string(e.id), e.level, fill(e.message_template, args), std::move(where)};
}

}  // namespace meshsim::scenarios
