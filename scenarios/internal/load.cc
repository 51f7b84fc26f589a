// Load documents: who sends requests to which service, how fast, with which mix; see
// meshsim_kinds.h and README.md "Load".
#include <cctype>
#include <cmath>
#include <numbers>

#include "scenarios/internal/distributions.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/meshsim_kinds.h"

namespace meshsim::scenarios::internal {
namespace {

using models::RateSegment;
using simcore::Time;

constexpr double kMaxRate = 1e9;
constexpr uint64_t kMaxConnections = 1'000'000;

struct ScheduleEntry {
  Time at;
  std::string shape;  // "rate", "ramp" or "sine"
  double rate = 0;    // rate; ramp's target; sine's mean
  Time over;          // ramp
  double amplitude = 0;
  Time period;
};

// A required number or positive duration of a mapping; false after reporting.  (Out-parameters
// rather than optionals: GCC 12 misreports optional<double> as maybe-uninitialised here.)
bool number(const Mapping& m, std::string_view key, double lo, double hi, double& out) {
  if (!m.require(key).IsDefined()) return false;
  const auto v = m.number(key, lo, hi);
  if (v) out = *v;
  return v.has_value();
}

bool duration(const Mapping& m, std::string_view key, Time& out) {
  const YAML::Node n = m.require(key);
  if (!n.IsDefined()) return false;
  const auto t = read_duration(m.ctx(), n, key, DurationRule::kPositive);
  if (t) out = *t;
  return t.has_value();
}

std::optional<ScheduleEntry> read_schedule_entry(const Context& ctx, const YAML::Node& node,
                                                 const std::string& owner) {
  const Mapping m(ctx, node, "schedule entry of " + owner, {"at", "rate", "ramp", "sine"});
  if (!m.is_mapping()) return std::nullopt;
  ScheduleEntry e;
  const YAML::Node at = m.require("at");
  auto t = at.IsDefined() ? read_duration(ctx, at, "at", DurationRule::kNonNegative) : std::nullopt;
  const auto shapes = m.present({"rate", "ramp", "sine"});
  if (shapes.size() != 1) {
    if (shapes.empty() && m.misspelt_any({"rate", "ramp", "sine"})) return std::nullopt;
    ctx.report(Code::kExactlyOneOf, node,
               {"a schedule entry", "'rate', 'ramp' or 'sine'",
                shapes.empty() ? "none" : quote_join(shapes)});
    return std::nullopt;
  }
  e.shape = shapes[0];
  bool ok = t.has_value();
  if (e.shape == "rate") {
    ok = number(m, "rate", 0, kMaxRate, e.rate) && ok;
  } else if (e.shape == "ramp") {
    const Mapping r(ctx, m.get("ramp"), "ramp", {"to", "over"});
    ok = number(r, "to", 0, kMaxRate, e.rate) && ok;
    ok = duration(r, "over", e.over) && ok;
  } else {
    const Mapping s(ctx, m.get("sine"), "sine", {"mean", "amplitude", "period"});
    const bool have_mean = number(s, "mean", 0, kMaxRate, e.rate);
    const bool have_amp = number(s, "amplitude", 0, kMaxRate, e.amplitude);
    ok = duration(s, "period", e.period) && have_mean && have_amp && ok;
    if (have_mean && have_amp && e.amplitude > e.rate) {
      ctx.report(
          Code::kOutOfRange, s.get("amplitude"),
          {"amplitude", "at most the mean (" + format_number(e.rate) + "), so the rate stays >= 0",
           format_number(e.amplitude)});
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  e.at = *t;
  return e;
}

// Each entry holds from its `at` until the next entry's (the last: to the end of the run).  A
// ramp starts from the rate in force when it begins and holds its target once `over` has passed;
// cut short by the next entry, it ends at the rate reached.  A sine's phase starts at its `at`.
std::vector<RateSegment> to_segments(const std::vector<ScheduleEntry>& entries) {
  std::vector<RateSegment> out;
  double current = 0;  // the rate in force when the next entry starts
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ScheduleEntry& e = entries[i];
    const bool last = i + 1 == entries.size();
    const Time span = last ? Time::max() : entries[i + 1].at - e.at;
    RateSegment seg;
    seg.start = e.at;
    seg.duration = span;
    if (e.shape == "rate") {
      seg.shape = RateSegment::Shape::kConstant;
      seg.rate = e.rate;
      current = e.rate;
      out.push_back(seg);
    } else if (e.shape == "ramp") {
      seg.shape = RateSegment::Shape::kRamp;
      seg.rate = current;
      if (!last && span <= e.over) {
        const double f = static_cast<double>(span.ns()) / static_cast<double>(e.over.ns());
        seg.rate_end = current + (e.rate - current) * f;
        current = seg.rate_end;
        out.push_back(seg);
      } else {
        seg.duration = e.over;
        seg.rate_end = e.rate;
        out.push_back(seg);
        RateSegment hold;
        hold.shape = RateSegment::Shape::kConstant;
        hold.start = e.at + e.over;
        hold.duration = last ? Time::max() : span - e.over;
        hold.rate = e.rate;
        if (hold.duration > Time::zero()) out.push_back(hold);
        current = e.rate;
      }
    } else {
      seg.shape = RateSegment::Shape::kSine;
      seg.rate = e.rate;
      seg.amplitude = e.amplitude;
      seg.period = e.period;
      out.push_back(seg);
      if (!last) {
        const double phase = static_cast<double>(span.ns()) / static_cast<double>(e.period.ns());
        current = e.rate + e.amplitude * std::sin(2 * std::numbers::pi * phase);
      }
    }
  }
  return out;
}

std::optional<std::vector<RateSegment>> read_schedule(const Context& ctx, const YAML::Node& node,
                                                      const std::string& owner) {
  if (!node.IsSequence() || node.size() == 0) {
    ctx.report(Code::kWrongType, node,
               {"schedule", "a non-empty list of {at, rate | ramp | sine}", describe(node)});
    return std::nullopt;
  }
  std::vector<ScheduleEntry> entries;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto e = read_schedule_entry(ctx, *it, owner);
    if (!e) {
      ok = false;
      continue;
    }
    if (!entries.empty() && e->at <= entries.back().at) {
      const YAML::Node item = *it;
      const YAML::Node at = item["at"];
      ctx.report(Code::kNotIncreasing, at,
                 {"'at'", format_duration(entries.back().at), format_duration(e->at)});
      ok = false;
      continue;
    }
    entries.push_back(*e);
  }
  if (!ok) return std::nullopt;
  return to_segments(entries);
}

std::optional<std::vector<models::RequestKind>> read_requests(const Context& ctx,
                                                              const YAML::Node& node,
                                                              const std::string& owner) {
  if (!node.IsSequence() || node.size() == 0) {
    ctx.report(Code::kWrongType, node,
               {"requests", "a non-empty list of {path, method, headers, share}", describe(node)});
    return std::nullopt;
  }
  std::vector<models::RequestKind> out;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const Mapping m(ctx, *it, "request of " + owner, {"path", "method", "headers", "share"});
    if (!m.is_mapping()) {
      ok = false;
      continue;
    }
    models::RequestKind r;
    if (auto p = m.string("path")) {
      if (p->empty() || (*p)[0] != '/') {
        ctx.report(Code::kOutOfRange, m.get("path"), {"path", "a path starting with '/'", *p});
        ok = false;
      }
      r.path = *p;
    }
    if (auto method = m.string("method")) {
      for (char& c : *method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      r.method = *method;
    }
    if (m.has("headers")) {
      if (auto h = m.headers("headers"))
        r.headers = *h;
      else
        ok = false;
    }
    if (m.has("share")) {
      auto s = m.number("share", 0, 1e9);
      if (s && *s <= 0) {
        ctx.report(Code::kOutOfRange, m.get("share"), {"share", "> 0", format_number(*s)});
        s.reset();
      }
      if (s)
        r.share = *s;
      else
        ok = false;
    }
    out.push_back(std::move(r));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

void read_load(const Context& ctx, const Document& doc, Draft& draft) {
  const YAML::Node& root = doc.root;
  const YAML::Node spec_node = root["spec"];
  if (!spec_node.IsDefined() || spec_node.IsNull()) {
    ctx.report(Code::kMissingField, root, {"spec", doc.label()});
    return;
  }
  const std::string owner = doc.label();
  const Mapping spec(ctx, spec_node, owner,
                     {"target", "port", "model", "rate", "schedule", "connections", "thinkTime",
                      "requests", "zone", "from", "inMesh", "timeout", "retries", "maxRequests"});
  if (!spec.is_mapping()) return;
  models::LoadConfig load;
  LoadSite site;
  load.name = doc.name;
  site.namespace_ = doc.namespace_;
  if (auto t = spec.required_string("target")) {
    load.target_service = *t;
    site.where_target = spec.where("target");
  }
  site.where_port = spec.where();
  if (spec.has("port")) {
    if (auto p = spec.integer("port", 1, 65535)) {
      load.port = static_cast<uint32_t>(*p);
      site.where_port = spec.where("port");
      site.port_given = true;
    }
  }
  std::string model = "poisson";
  if (spec.has("model")) {
    model =
        read_enum(ctx, spec.get("model"), "model", {"poisson", "constant", "closed"}).value_or("");
  }
  load.model = model == "closed"     ? models::LoadConfig::Model::kClosed
               : model == "constant" ? models::LoadConfig::Model::kOpenConstant
                                     : models::LoadConfig::Model::kOpenPoisson;
  if (model == "closed") {
    for (const char* open_only : {"rate", "schedule"}) {
      if (spec.has(open_only)) {
        ctx.report(
            Code::kConflictingFields, spec.get(open_only),
            {open_only, "model 'closed' (a closed loop is paced by connections and thinkTime)"});
      }
    }
    const YAML::Node c = spec.require("connections");
    if (c.IsDefined()) {
      if (auto n = read_integer(ctx, c, "connections", 1, kMaxConnections))
        load.connections = static_cast<uint32_t>(*n);
    }
    if (const YAML::Node tt = spec.get("thinkTime"); tt.IsDefined()) {
      if (auto d = read_distribution(ctx, tt, "thinkTime")) load.think_time = *d;
    }
  } else if (!model.empty()) {
    for (const char* closed_only : {"connections", "thinkTime"}) {
      if (spec.has(closed_only)) {
        ctx.report(Code::kConflictingFields, spec.get(closed_only),
                   {closed_only,
                    "model '" + model + "' (only a closed loop has connections and think time)"});
      }
    }
    const auto given = spec.present({"rate", "schedule"});
    if (given.empty() && spec.misspelt_any({"rate", "schedule"})) {
      // the misspelt field was reported
    } else if (given.size() != 1) {
      ctx.report(Code::kExactlyOneOf, given.empty() ? spec_node : spec.get("schedule"),
                 {owner, "'rate' or 'schedule'", given.empty() ? "none" : "both"});
    } else if (given[0] == "rate") {
      if (auto r = spec.number("rate", 0, kMaxRate)) {
        models::RateSegment seg;
        seg.rate = *r;
        load.rate.push_back(seg);
      }
    } else if (auto segs = read_schedule(ctx, spec.get("schedule"), owner)) {
      load.rate = std::move(*segs);
    }
  }
  if (const YAML::Node r = spec.get("requests"); r.IsDefined()) {
    if (auto mix = read_requests(ctx, r, owner)) load.mix = std::move(*mix);
  } else {
    load.mix.push_back(models::RequestKind{});
  }
  if (auto z = spec.string("zone")) {
    load.zone = *z;
    site.where_zone = spec.where("zone");
    site.zone_given = true;
  }
  if (auto f = spec.string("from")) {
    load.from = *f;
    load.from_namespace = doc.namespace_;
    site.where_from = spec.where("from");
  }
  if (auto m = spec.boolean("inMesh")) {
    load.through_sidecar = *m;
    site.in_mesh_given = true;
    site.where_in_mesh = spec.where("inMesh");
  }
  if (const YAML::Node t = spec.get("timeout"); t.IsDefined()) {
    if (auto d = read_duration(ctx, t, "timeout", DurationRule::kPositive)) load.timeout = *d;
  }
  if (auto r = spec.integer("retries", 0, 100)) load.retries = static_cast<uint32_t>(*r);
  if (auto n = spec.integer("maxRequests", 0, 1'000'000'000'000)) load.max_requests = *n;
  draft.mesh.loads.push_back(std::move(load));
  draft.load_sites.push_back(std::move(site));
}

}  // namespace meshsim::scenarios::internal
