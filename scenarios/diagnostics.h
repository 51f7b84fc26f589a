// What the scenario loader reports, and the one catalogue of every code it can report.
//
// Modelled on Istio's analyzer catalogue (pkg/config/analysis/msg/messages.yaml): each code has
// a level, a short name, a description and a message template, and a code once published is never
// reused or renumbered (retired codes stay in the table, marked retired), because CI scripts grep
// for them.  Codes are grouped by hundreds: 00xx reading files and documents, 01xx fields and
// values, 02xx references between documents, 03xx Istio manifests, 04xx --set overrides.
// scenarios/README.md carries the same table for users; a test keeps the two in step.
//
// Thread safety: everything here is immutable or a plain value.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace meshsim::scenarios {

// Where a diagnostic points.  Lines and columns are 1-based; 0 means "not known" (a file that
// could not be read has no line).  Overrides are located in pseudo-files "<--set N>".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  // "file:line:column", or "file:line" / "file" when the column / line is unknown.
  std::string to_string() const;
};

enum class Level { kError, kWarning, kInfo };
std::string_view to_string(Level level);  // "error", "warning", "info"

struct Diagnostic {
  std::string code;  // "MSH0103"
  Level level = Level::kError;
  std::string message;
  SourceLocation where;
  // "file:line:col: error MSH0103: unknown field 'replcas' in Workload 'reviews-v2'; did you mean
  // 'replicas'?"
  std::string to_string() const;
};

// Thrown by the loader when a scenario has errors.  Holds every error found (not only the first),
// sorted by file (in load order), line and column; what() is their to_string()s, one per line.
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  std::vector<Diagnostic> diagnostics;
};

// ---- The catalogue ------------------------------------------------------------------------

// The enumerator's value is the code's number: Code::kUnknownField == 103 is "MSH0103".
enum class Code : int {
  // Reading files and documents.
  kReadFailed = 1,
  kYamlSyntax = 2,
  kNotAMapping = 3,
  kMissingHeader = 4,
  kUnknownKind = 5,
  kUnsupportedVersion = 6,
  kDuplicateDocument = 7,
  kReplacedManifest = 8,
  kMultipleExperiments = 9,
  kNoYamlFiles = 10,
  kUnknownApiKind = 11,
  kUnsupportedApiVersion = 12,
  kNotSimulated = 13,
  kOverrideHasNoEffect = 14,  // a --set override (grouped here by number, not by topic)
  kEmptyScenario = 15,
  // Fields and values.
  kWrongType = 101,
  kMissingField = 102,
  kUnknownField = 103,
  kOutOfRange = 104,
  kExactlyOneOf = 105,
  kInvalidDistribution = 106,
  kUnknownValue = 107,
  kDuplicateName = 108,
  kConflictingFields = 109,
  kNotIncreasing = 110,
  // References between documents.
  kCallToUnknownService = 201,
  kLoadToUnknownService = 202,
  kUnknownPort = 203,
  kSelectorMatchesNoPod = 204,
  kUnknownZone = 205,
  kUnknownService = 206,
  kCallCycle = 207,
  kNoBehaviour = 208,
  kServiceWithoutWorkloads = 209,
  kDeploymentWithoutService = 210,
  kLabelsDoNotMatchSelector = 211,
  kKillCountExceedsPods = 212,
  kRemoveNamesNothing = 213,
  kApplyMeshsimKind = 214,
  kPartitionUnknownSide = 215,
  kExpectationNamesNothing = 216,
  kPortNameIsNotUnderNamingConvention = 217,
  kCallToTcpPort = 218,
  kCallFieldIgnored = 219,
  // Kubernetes discovery (Services' ports, headless and ExternalName Services).
  kTargetPortNotDeclared = 220,
  kHeadlessService = 221,
  kExternalNameAlias = 222,
  kExternalNameOutsideMesh = 223,
  kRulesForExternalName = 224,
  kConflictingTargetPorts = 225,
  kTcpRouteDestinationSubnets = 226,
  kSelectionPicksNoPod = 227,
  kNetworkFaultOnProbes = 228,
  kBandwidthWithoutSizes = 229,
  kUnknownBaseWorkload = 230,
  kExtendsCycle = 231,
  // A Load run from a workload's pods (`from`).
  kLoadFromUnknownWorkload = 232,
  kLoadFromContradictsInMesh = 233,
  kLoadFromNoPods = 234,
  kClientWorkloadHandlersNeverRun = 235,
  kChaosFieldNotSimulated = 236,
  kChaosSelectorNotSimulated = 237,
  kAppliedManifestChangesNothing = 238,
  kCpuStressWithoutLimit = 239,
  // Istio manifests.
  kUnknownDestinationHost = 301,
  kUnknownSubset = 302,
  kAllWeightsZero = 303,
  kNegativeWeight = 304,
  kConflictingVirtualServiceHost = 305,
  kInvalidRetries = 306,
  kInvalidRegex = 307,
  kPercentageOutOfRange = 308,
  kUnsupportedLoadBalancer = 309,
  kNotModelled = 310,
  kPolicyNotModelled = 311,
  kIgnoredByIstio = 312,
  kHostMatchesNoService = 313,
  kSubsetSelectsNoPod = 314,
  kEnvoyFilterNotSimulated = 315,
  // --set overrides.
  kBadOverrideSyntax = 401,
  kOverridePathNotFound = 402,
  kOverrideAmbiguous = 403,
  kOverrideBadValue = 404,
  kOverrideAddsField = 405,
  kOverrideNotRead = 406,
};

struct CatalogueEntry {
  Code code;
  std::string_view id;  // "MSH0103"
  Level level;
  std::string_view name;         // "UnknownField" (Istio's style of message name)
  std::string_view description;  // one sentence for the README and `meshsim validate --explain`
  // {0}, {1}, ... are replaced by the arguments in order.  A did-you-mean, when there is one, is
  // appended as "; did you mean 'x'?".
  std::string_view message_template;
};

// Every code, in increasing order.
std::span<const CatalogueEntry> catalogue();
// The entry for `code`; every Code enumerator has one.
const CatalogueEntry& catalogue_entry(Code code);
// A diagnostic of `code` at `where`, its template filled with `args`.
Diagnostic make_diagnostic(Code code, SourceLocation where, const std::vector<std::string>& args);

}  // namespace meshsim::scenarios
