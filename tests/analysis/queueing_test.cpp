// Tests for analysis/queueing.*: M/M/1, M/M/c (Erlang C), M/G/1 (Pollaczek-Khinchine) and open
// Jackson networks.
//
// Every expected value is computed by hand in the test, with the arithmetic in a comment, from a
// formula independent of the code path under test where one exists (M/M/2's closed form for L,
// the Erlang C sum written out term by term, traffic equations solved by substitution).
#include "analysis/queueing.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using meshsim::analysis::JacksonNetwork;
using meshsim::analysis::MG1;
using meshsim::analysis::MM1;
using meshsim::analysis::MMc;

namespace {
constexpr double kEps = 1e-12;
}  // namespace

TEST_CASE("MM1: lambda = 8, mu = 10 (truth: by hand from rho = 0.8)") {
  const MM1 q(8.0, 10.0);
  CHECK(q.rho() == Approx(0.8).epsilon(kEps));
  CHECK(q.mean_response_time() == Approx(0.5).epsilon(kEps));     // W = 1/(10-8)
  CHECK(q.mean_number_in_system() == Approx(4.0).epsilon(kEps));  // L = 0.8/0.2 = lambda W
  CHECK(q.mean_wait() == Approx(0.4).epsilon(kEps));              // Wq = W - 1/mu = 0.5 - 0.1
  CHECK(q.mean_number_in_queue() == Approx(3.2).epsilon(kEps));   // Lq = lambda Wq = 8 * 0.4
  // Response time ~ Exp(mu - lambda = 2): P(T > t) = e^{-2t} = 0.01  =>  t = ln(100) / 2.
  CHECK(q.response_time_quantile(0.99) == Approx(std::log(100.0) / 2.0).epsilon(kEps));
  CHECK(q.response_time_quantile(0.0) == 0.0);
  CHECK(q.prob_number_in_system(0) == Approx(0.2).epsilon(kEps));    // 1 - rho
  CHECK(q.prob_number_in_system(2) == Approx(0.128).epsilon(kEps));  // 0.2 * 0.8^2
}

TEST_CASE("MMc: Erlang C for c = 2, lambda = 1.5, mu = 1 is 9/14 (truth: Erlang C written out)") {
  // a = 1.5, c = 2.  a^c/c! = 2.25/2 = 1.125;  c/(c-a) = 2/0.5 = 4;  top = 1.125 * 4 = 4.5.
  // sum_{k<2} a^k/k! = 1 + 1.5 = 2.5.   C = 4.5 / (2.5 + 4.5) = 9/14 = 0.6428571...
  const MMc q(1.5, 1.0, 2);
  const double c = 4.5 / 7.0;
  CHECK(q.prob_wait() == Approx(0.6428571428571429).epsilon(kEps));
  CHECK(q.rho() == Approx(0.75).epsilon(kEps));
  CHECK(q.mean_wait() == Approx(c / 0.5).epsilon(kEps));                 // C/(c mu - lambda) = 9/7
  CHECK(q.mean_response_time() == Approx(c / 0.5 + 1.0).epsilon(kEps));  // 9/7 + 1/mu = 16/7
  CHECK(q.mean_number_in_queue() == Approx(1.5 * c / 0.5).epsilon(kEps));           // 27/14
  CHECK(q.mean_number_in_system() == Approx(1.5 * (c / 0.5 + 1.0)).epsilon(kEps));  // 24/7
  // P(Wq > t) = C e^{-(2 - 1.5) t}
  CHECK(q.prob_wait_exceeds(0.0) == Approx(c).epsilon(kEps));
  CHECK(q.prob_wait_exceeds(2.0) == Approx(c * std::exp(-1.0)).epsilon(kEps));
  // Quantile inverts the tail: P(Wq > t_q) = 1 - q; q below 1 - C falls in the atom at 0.
  CHECK(q.prob_wait_exceeds(q.wait_quantile(0.9)) == Approx(0.1).epsilon(kEps));
  CHECK(q.wait_quantile(0.3) == 0.0);
}

TEST_CASE("MMc: with c = 1 it reduces to M/M/1 (truth: MM1 and C = rho)") {
  const MMc c1(8.0, 10.0, 1);
  const MM1 m(8.0, 10.0);
  CHECK(c1.prob_wait() == Approx(0.8).epsilon(kEps));
  CHECK(c1.mean_wait() == Approx(m.mean_wait()).epsilon(kEps));
  CHECK(c1.mean_response_time() == Approx(m.mean_response_time()).epsilon(kEps));
  CHECK(c1.mean_number_in_system() == Approx(m.mean_number_in_system()).epsilon(kEps));
  CHECK(c1.mean_number_in_queue() == Approx(m.mean_number_in_queue()).epsilon(kEps));
}

TEST_CASE(
    "MMc: Erlang C stays accurate for c = 500 servers at rho = 0.96 (truth: the Erlang C "
    "sum evaluated in log space with lgamma)") {
  const double a = 480.0;
  const int c = 500;
  // log of a^k/k! for k < c, and of the waiting term a^c/c! * c/(c-a); then log-sum-exp.
  std::vector<double> logs;
  for (int k = 0; k < c; ++k) logs.push_back(k * std::log(a) - std::lgamma(k + 1.0));
  const double log_top = c * std::log(a) - std::lgamma(c + 1.0) + std::log(c / (c - a));
  logs.push_back(log_top);
  const double m = *std::max_element(logs.begin(), logs.end());
  double s = 0.0;
  for (double l : logs) s += std::exp(l - m);
  const double expected = std::exp(log_top - m) / s;
  const MMc q(a, 1.0, c);
  CHECK(std::isfinite(q.prob_wait()));
  CHECK(q.prob_wait() == Approx(expected).epsilon(1e-9));
}

TEST_CASE("MG1: M/D/1 at rho = 0.8 waits rho / (2 mu (1 - rho)) (truth: P-K with scv = 0)") {
  // lambda = 8, E[S] = 0.1 (mu = 10):  Wq = 0.8 / (2 * 10 * 0.2) = 0.2 s.
  const MG1 q(8.0, 0.1, 0.0);
  CHECK(q.rho() == Approx(0.8).epsilon(kEps));
  CHECK(q.mean_wait() == Approx(0.2).epsilon(kEps));
  CHECK(q.mean_response_time() == Approx(0.3).epsilon(kEps));     // 0.2 + 0.1
  CHECK(q.mean_number_in_queue() == Approx(1.6).epsilon(kEps));   // 8 * 0.2
  CHECK(q.mean_number_in_system() == Approx(2.4).epsilon(kEps));  // 8 * 0.3
}

TEST_CASE("MG1: with scv = 1 it equals M/M/1 (truth: MM1, lambda = 8, mu = 10)") {
  const MG1 g(8.0, 0.1, 1.0);
  const MM1 m(8.0, 10.0);
  CHECK(g.mean_wait() == Approx(m.mean_wait()).epsilon(kEps));  // 0.4
  CHECK(g.mean_response_time() == Approx(m.mean_response_time()).epsilon(kEps));
  CHECK(g.mean_number_in_system() == Approx(m.mean_number_in_system()).epsilon(kEps));
  CHECK(g.mean_number_in_queue() == Approx(m.mean_number_in_queue()).epsilon(kEps));
}

TEST_CASE(
    "Queues with rho >= 1 have no steady state and throw domain_error; malformed inputs "
    "throw invalid_argument (truth: documented contract)") {
  CHECK_THROWS_AS(MM1(10.0, 10.0), std::domain_error);
  CHECK_THROWS_AS(MM1(11.0, 10.0), std::domain_error);
  CHECK_THROWS_AS(MMc(3.0, 1.0, 3), std::domain_error);
  CHECK_THROWS_AS(MG1(10.0, 0.1, 0.5), std::domain_error);
  CHECK_THROWS_WITH(MM1(10.0, 10.0), Contains("unstable"));

  CHECK_THROWS_AS(MM1(-1.0, 10.0), std::invalid_argument);
  CHECK_THROWS_AS(MM1(1.0, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(MM1(std::nan(""), 10.0), std::invalid_argument);
  CHECK_THROWS_AS(MMc(1.0, 1.0, 0), std::invalid_argument);
  CHECK_THROWS_AS(MG1(1.0, 0.1, -0.5), std::invalid_argument);
  CHECK_THROWS_AS(MM1(8.0, 10.0).response_time_quantile(1.0), std::invalid_argument);
  CHECK_THROWS_AS(MM1(8.0, 10.0).prob_number_in_system(-1), std::invalid_argument);
}

TEST_CASE(
    "JacksonNetwork: a tandem of two M/M/1 stations has sojourn W1 + W2 "
    "(truth: gamma = 3, mu = 10 then 5: 1/7 + 1/2 = 9/14 s)") {
  Eigen::MatrixXd p(2, 2);
  p << 0, 1,  //
      0, 0;
  const JacksonNetwork net({{1, 10.0}, {1, 5.0}}, Eigen::Vector2d(3.0, 0.0), p);
  CHECK(net.size() == 2);
  CHECK(net.result(0).arrival_rate == Approx(3.0).epsilon(kEps));
  CHECK(net.result(1).arrival_rate == Approx(3.0).epsilon(kEps));
  CHECK(net.result(0).mean_response_time == Approx(1.0 / 7.0).epsilon(kEps));  // 1/(10-3)
  CHECK(net.result(1).mean_response_time == Approx(0.5).epsilon(kEps));        // 1/(5-3)
  CHECK(net.result(1).visit_ratio == Approx(1.0).epsilon(kEps));
  CHECK(net.throughput() == Approx(3.0).epsilon(kEps));
  CHECK(net.mean_sojourn_time() == Approx(9.0 / 14.0).epsilon(kEps));
}

TEST_CASE(
    "JacksonNetwork: one station with feedback p has lambda = gamma/(1-p) and sojourn "
    "W_visit/(1-p) (truth: gamma = 2, mu = 10, p = 0.5 by hand)") {
  // lambda = 2 / 0.5 = 4;  W_visit = 1/(10-4) = 1/6;  visits = 1/(1-p) = 2;  sojourn = 1/3.
  Eigen::MatrixXd p(1, 1);
  p << 0.5;
  const JacksonNetwork net({{1, 10.0}}, Eigen::VectorXd::Constant(1, 2.0), p);
  CHECK(net.result(0).arrival_rate == Approx(4.0).epsilon(kEps));
  CHECK(net.result(0).utilisation == Approx(0.4).epsilon(kEps));
  CHECK(net.result(0).visit_ratio == Approx(2.0).epsilon(kEps));
  CHECK(net.result(0).mean_response_time == Approx(1.0 / 6.0).epsilon(kEps));
  CHECK(net.mean_sojourn_time() == Approx(1.0 / 3.0).epsilon(kEps));
  CHECK(net.mean_number_in_network() == Approx(2.0 / 3.0).epsilon(kEps));  // Little: 2 * 1/3
}

TEST_CASE(
    "JacksonNetwork: three stations with feedback match the traffic equations solved by "
    "hand and the M/M/1, M/M/2 closed forms (truth: substitution, L = 2rho/(1-rho^2))") {
  // gamma = (1, 0.5, 0).  Routing (rest leaves):  1->2 0.5, 1->3 0.5;  2->1 0.2, 2->3 0.3;
  // 3->1 0.1.  Traffic equations:
  //   l1 = 1 + 0.2 l2 + 0.1 l3,   l2 = 0.5 + 0.5 l1,   l3 = 0.5 l1 + 0.3 l2.
  //   l3 = 0.5 l1 + 0.15 + 0.15 l1 = 0.15 + 0.65 l1
  //   l1 = 1 + 0.1 + 0.1 l1 + 0.015 + 0.065 l1  =>  0.835 l1 = 1.115  =>  l1 = 223/167
  //   l2 = 0.5 + 0.5 * 223/167 = 195/167,   l3 = 0.15 + 0.65 * 223/167 = 170/167.
  // Check: departures 0.5 l2 + 0.9 l3 = (97.5 + 153)/167 = 1.5 = sum(gamma).
  Eigen::MatrixXd p(3, 3);
  p << 0.0, 0.5, 0.5,  //
      0.2, 0.0, 0.3,   //
      0.1, 0.0, 0.0;
  const Eigen::Vector3d gamma(1.0, 0.5, 0.0);
  // Station 1 is M/M/2 with mu = 1; stations 2 and 3 are M/M/1 with mu = 2 and 3.
  const JacksonNetwork net({{2, 1.0}, {1, 2.0}, {1, 3.0}}, gamma, p);
  const double l1 = 223.0 / 167.0, l2 = 195.0 / 167.0, l3 = 170.0 / 167.0;
  CHECK(net.result(0).arrival_rate == Approx(l1).epsilon(kEps));
  CHECK(net.result(1).arrival_rate == Approx(l2).epsilon(kEps));
  CHECK(net.result(2).arrival_rate == Approx(l3).epsilon(kEps));
  const double r1 = l1 / 2.0, r2 = l2 / 2.0, r3 = l3 / 3.0;
  CHECK(net.result(0).utilisation == Approx(r1).epsilon(kEps));
  const double big_l1 = 2.0 * r1 / (1.0 - r1 * r1);  // M/M/2
  const double big_l2 = r2 / (1.0 - r2);             // M/M/1
  const double big_l3 = r3 / (1.0 - r3);
  CHECK(net.result(0).mean_number == Approx(big_l1).epsilon(1e-10));
  CHECK(net.result(1).mean_number == Approx(big_l2).epsilon(1e-10));
  CHECK(net.result(2).mean_number == Approx(big_l3).epsilon(1e-10));
  CHECK(net.result(2).mean_response_time == Approx(1.0 / (3.0 - l3)).epsilon(1e-10));
  CHECK(net.throughput() == Approx(1.5).epsilon(kEps));
  CHECK(net.mean_sojourn_time() == Approx((big_l1 + big_l2 + big_l3) / 1.5).epsilon(1e-10));
  // The same sojourn from visit ratios: sum_i (l_i / 1.5) W_i.
  double by_visits = 0.0;
  for (const auto& r : net.results()) by_visits += r.visit_ratio * r.mean_response_time;
  CHECK(net.mean_sojourn_time() == Approx(by_visits).epsilon(1e-10));
}

TEST_CASE(
    "JacksonNetwork: overload, closed loops and malformed input are rejected "
    "(truth: documented contract)") {
  Eigen::MatrixXd feedback(1, 1);
  feedback << 0.9;  // lambda = 2 / 0.1 = 20 > mu = 10
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}}, Eigen::VectorXd::Constant(1, 2.0), feedback),
                  std::domain_error);
  CHECK_THROWS_WITH(JacksonNetwork({{1, 10.0}}, Eigen::VectorXd::Constant(1, 2.0), feedback),
                    Contains("station 0 is unstable"));

  Eigen::MatrixXd loop(2, 2);  // 1 -> 2 -> 1 forever: I - P^T is singular
  loop << 0, 1,                //
      1, 0;
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}, {1, 10.0}}, Eigen::Vector2d(1.0, 0.0), loop),
                  std::domain_error);
  CHECK_THROWS_WITH(JacksonNetwork({{1, 10.0}, {1, 10.0}}, Eigen::Vector2d(1.0, 0.0), loop),
                    Contains("singular"));

  Eigen::MatrixXd too_much(2, 2);
  too_much << 0.0, 0.7,  //
      0.6, 0.6;          // row 1 sums to 1.2
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}, {1, 10.0}}, Eigen::Vector2d(1.0, 0.0), too_much),
                  std::invalid_argument);
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(2, 2);
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}, {1, 10.0}}, Eigen::Vector2d(-1.0, 2.0), zero),
                  std::invalid_argument);
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}, {1, 10.0}}, Eigen::Vector2d(0.0, 0.0), zero),
                  std::invalid_argument);
  CHECK_THROWS_AS(JacksonNetwork({{0, 10.0}, {1, 10.0}}, Eigen::Vector2d(1.0, 0.0), zero),
                  std::invalid_argument);
  CHECK_THROWS_AS(JacksonNetwork({{1, 10.0}}, Eigen::Vector2d(1.0, 0.0), zero),
                  std::invalid_argument);
}
