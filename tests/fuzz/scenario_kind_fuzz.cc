// Fuzz target: one document of a chosen kind, read beside a small valid scenario, so that each
// kind's reader and the checks across documents see mutated input next to the references it
// can resolve.  One target for all kinds rather than one per kind: a single binary to build
// and run in CI, and libFuzzer carries what it learns on one kind's shared helpers (mappings,
// durations, distributions, selectors) to the others.
//
// Input: the first byte picks the kind (byte % kKinds.size()); the rest is the document below
// its apiVersion and kind lines (metadata, spec, ...).  The base document of that kind, if
// any, is left out, so the fuzzed one replaces it.
#include <array>

#include "tests/fuzz/fuzz_support.h"

namespace {

struct Kind {
  const char* header;  // "apiVersion: ...\nkind: ...\n"
  const char* base;    // the base scenario's document of this kind, or ""
};

constexpr const char* kTopology = R"(metadata: {name: shop}
spec:
  zones: {zone-a: region-1, zone-b: region-1}
  services:
  - {name: reviews, ports: [{name: http, port: 9080}]}
  - {name: ratings, ports: [{name: http, port: 9080}]}
  workloads:
  - name: reviews-v1
    service: reviews
    labels: {version: v1}
    replicas: 2
    handlers:
    - steps: [{call: {service: ratings}}]
  - name: reviews-v2
    service: reviews
    labels: {version: v2}
  - name: ratings-v1
    service: ratings
)";
constexpr const char* kLoad = "metadata: {name: users}\nspec: {target: reviews, rate: 50}\n";
constexpr const char* kTimeline = R"(metadata: {name: faults}
spec:
  events:
  - {name: crash, at: 5s, killPods: {service: ratings, count: 1, mode: crash}}
)";
constexpr const char* kExperiment = R"(metadata: {name: shop}
spec:
  duration: 30s
  expect:
  - {name: healthy, service: reviews, minSuccessRate: 99%}
)";
constexpr const char* kVirtualService = R"(metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v2}, weight: 20}
    retries: {attempts: 2, perTryTimeout: 1s}
)";
constexpr const char* kDestinationRule = R"(metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
)";

const std::array<Kind, 8> kKinds = {{
    {"apiVersion: meshsim.dev/v1alpha1\nkind: Topology\n", kTopology},
    {"apiVersion: meshsim.dev/v1alpha1\nkind: Load\n", kLoad},
    {"apiVersion: meshsim.dev/v1alpha1\nkind: Timeline\n", kTimeline},
    {"apiVersion: meshsim.dev/v1alpha1\nkind: Experiment\n", kExperiment},
    {"apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n", kVirtualService},
    {"apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\n", kDestinationRule},
    {"apiVersion: v1\nkind: Service\n", ""},
    {"apiVersion: apps/v1\nkind: Deployment\n", ""},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return -1;
  const std::string_view body = meshsim::fuzz::as_text(data + 1, size - 1);
  if (meshsim::fuzz::touches_files(body)) return -1;
  const std::size_t chosen = data[0] % kKinds.size();
  std::string text;
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (i == chosen || !*kKinds[i].base) continue;
    text += kKinds[i].header;
    text += kKinds[i].base;
    text += "---\n";
  }
  text += kKinds[chosen].header;
  text += body;
  meshsim::fuzz::check_load_text(text, "fuzz.yaml");
  return 0;
}
