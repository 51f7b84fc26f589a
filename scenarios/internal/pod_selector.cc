// Timeline pod selectors; see pod_selector.h.
#include "scenarios/internal/pod_selector.h"

#include "models/chaos/selection.h"

namespace meshsim::scenarios::internal {
namespace {

using Pick = models::PodSelector::Pick;

// `select: one | all | {fixed: N} | {fixed-percent: P} | {random-max-percent: P}`, the values
// Chaos Mesh accepts (mode.go: fixed > 0; the percents integers in (0, 100]).
bool read_pick(const Mapping& m, models::PodSelector& s) {
  const Context& ctx = m.ctx();
  const YAML::Node n = m.get("select");
  if (!n.IsDefined()) return true;
  const char* expected =
      "one, all, or one of {fixed: N}, {fixed-percent: P}, {random-max-percent: P}";
  if (n.IsScalar()) {
    const std::string word = n.Scalar();
    if (word == "one" || word == "all") {
      s.pick = word == "one" ? Pick::kOne : Pick::kAll;
      return true;
    }
    ctx.report(Code::kWrongType, n, {"select", expected, "'" + word + "'"});
    return false;
  }
  const Mapping sm(ctx, n, "select", {"fixed", "fixed-percent", "random-max-percent"});
  if (!sm.is_mapping()) return false;
  const auto given = sm.present({"fixed", "fixed-percent", "random-max-percent"});
  if (given.size() != 1) {
    if (given.empty() && sm.misspelt_any({"fixed", "fixed-percent", "random-max-percent"})) return false;
    ctx.report(Code::kExactlyOneOf, n,
               {"select", "'fixed', 'fixed-percent' or 'random-max-percent'",
                given.empty() ? "none" : quote_join(given)});
    return false;
  }
  const std::string& mode = given[0];
  const auto v = mode == "fixed" ? sm.integer(mode, 1, 100'000) : sm.integer(mode, 1, 100);
  if (!v) return false;
  s.pick = mode == "fixed" ? Pick::kFixed : mode == "fixed-percent" ? Pick::kFixedPercent : Pick::kRandomMaxPercent;
  s.value = static_cast<uint32_t>(*v);
  return true;
}

}  // namespace

std::vector<std::string> with_selector_keys(std::vector<std::string> own) {
  for (const char* k : {"service", "workload", "zone", "namespace", "labels", "version", "select"})
    own.emplace_back(k);
  return own;
}

models::PodSelector read_selector(const Mapping& m, EventSite& site, bool& ok) {
  models::PodSelector s;
  s.service = m.string("service").value_or("");
  s.workload = m.string("workload").value_or("");
  s.zone = m.string("zone").value_or("");
  s.namespace_ = m.string("namespace").value_or("");
  if (m.has("labels")) {
    if (auto l = m.string_map("labels"))
      s.labels = *l;
    else
      ok = false;
  }
  if (auto v = m.string("version")) {
    if (auto it = s.labels.find("version"); it != s.labels.end() && it->second != *v) {
      m.ctx().report(Code::kConflictingFields, m.get("version"),
                     {"version: " + *v, "labels' version: " + it->second});
      ok = false;
    }
    s.labels["version"] = *v;
  }
  ok = read_pick(m, s) && ok;
  site.where_service = m.where("service");
  site.where_workload = m.where("workload");
  site.where_zone = m.where("zone");
  return s;
}

std::string target_text(const models::PodSelector& s) {
  std::string t = !s.workload.empty()  ? s.workload
                  : !s.service.empty() ? s.service
                                       : "every service";
  if (!s.labels.empty()) {
    std::string l;
    for (const auto& [k, v] : s.labels) l += (l.empty() ? "" : ",") + k + "=" + v;
    t += " {" + l + "}";
  }
  if (!s.namespace_.empty()) t += " in " + s.namespace_;
  if (!s.zone.empty()) t += " (" + s.zone + ")";
  return t;
}

std::string picked_text(const models::PodSelector& s) {
  switch (s.pick) {
    case Pick::kFirst: return target_text(s);
    case Pick::kAll: return "all pods of " + target_text(s);
    case Pick::kOne:
    case Pick::kFixed: return models::describe_pick(s) + " of " + target_text(s);
    case Pick::kLitmusPercent:
      if (s.value == 0) return models::describe_pick(s) + " of " + target_text(s);
      [[fallthrough]];
    case Pick::kFixedPercent:
    case Pick::kRandomMaxPercent: return models::describe_pick(s) + " of the pods of " + target_text(s);
  }
  return target_text(s);
}

}  // namespace meshsim::scenarios::internal
