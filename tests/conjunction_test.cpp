// Conjunction: which queries it takes apart, and that its cursor visits exactly the documents
// Xapian's matcher finds for the same query — over the whole database and split into docid
// ranges, with excluded terms, column filters and deleted documents.
#include "conjunction.h"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>

#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

using Q = Xapian::Query;

const std::vector<std::string> kTerms = {"a", "b", "c", "d", "e", "rare", "absent"};

// 3,000 documents: "a" in about 60%, ..., "e" in about 10%, "rare" in 1%, "absent" in none,
// each 1 to 4 times, beside a filler term that varies the document's length; slot 0 holds a day
// of 2020 in most of them. Some are deleted, the last ones included.
std::string make_db(const TempDir& dir) {
  const std::string path = (dir.path / "db").string();
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const double share[] = {0.6, 0.5, 0.3, 0.2, 0.1, 0.01};
  for (int i = 0; i < 3000; ++i) {
    Xapian::Document doc;
    for (int t = 0; t < 6; ++t)
      if (u(rng) < share[t]) doc.add_term(kTerms[t], 1 + rng() % 4);
    doc.add_term("filler", rng() % 200);
    if (u(rng) < 0.9) doc.add_value(0, "2020" + std::to_string(10 + rng() % 3) + std::to_string(10 + rng() % 19));
    db.add_document(doc);
  }
  for (Xapian::docid did : {1u, 2u, 500u, 1777u, 2999u, 3000u}) db.delete_document(did);
  db.commit();
  return path;
}

std::vector<Xapian::docid> matcher(const Xapian::Database& db, const Q& q) {
  Xapian::Enquire e(db);
  e.set_query(q);
  e.set_weighting_scheme(Xapian::BoolWeight());
  e.set_docid_order(Xapian::Enquire::ASCENDING);
  const Xapian::MSet m = e.get_mset(0, db.get_doccount());
  return {m.begin(), m.end()};
}

std::vector<Xapian::docid> cursor(const Xapian::Database& db, const Conjunction& c, Xapian::docid first,
                                  Xapian::docid last) {
  ConjunctionCursor cur(db, c, first, last);
  std::vector<Xapian::docid> out;
  while (Xapian::docid did = cur.next()) out.push_back(did);
  CHECK(cur.next() == 0);  // stays at the end
  return out;
}

// The cursor over the whole range, and over three ranges joined, against the matcher.
void check_same(const Xapian::Database& db, const Q& q, const Conjunction& c) {
  const auto want = matcher(db, q);
  CHECK(cursor(db, c, 1, db.get_lastdocid()) == want);
  std::vector<Xapian::docid> joined;
  for (auto [lo, hi] : {std::pair{1u, 999u}, {1000u, 1777u}, {1778u, 4000u}}) {
    const auto part = cursor(db, c, lo, hi);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  CHECK(joined == want);
}

}  // namespace

TEST_CASE("conjunction_of takes apart conjunctions of terms and disjunctions of terms") {
  const auto c = conjunction_of(Q(Q::OP_FILTER, Q(Q::OP_AND, Q("a"), Q(Q::OP_OR, Q("b"), Q("c"))),
                                  Q(Q::OP_AND_NOT, Q::MatchAll, Q(Q::OP_OR, Q("d"), Q("e")))));
  REQUIRE(c);
  CHECK(c->all == std::vector<std::vector<std::string>>{{"a"}, {"b", "c"}});
  CHECK(c->none == std::vector<std::string>{"d", "e"});
  CHECK_FALSE(c->columns);

  const auto scaled = conjunction_of(Q(Q::OP_AND_MAYBE, Q(Q::OP_SCALE_WEIGHT, Q("a"), 2.0), Q("b")));
  REQUIRE(scaled);
  CHECK(scaled->all == std::vector<std::vector<std::string>>{{"a"}});
  CHECK(conjunction_of(Q::MatchAll)->all.empty());
  CHECK(conjunction_of(Q(Q::OP_OR, Q("a"), Q::MatchAll))->all.empty());
  CHECK(conjunction_of(Q::MatchNothing)->all == std::vector<std::vector<std::string>>{{}});

  // What needs positions, values or arbitrary nesting is left to Xapian's matcher.
  CHECK_FALSE(conjunction_of(Q(Q::OP_PHRASE, Q("a"), Q("b"))));
  CHECK_FALSE(conjunction_of(Q(Q::OP_NEAR, Q("a"), Q("b"))));
  CHECK_FALSE(conjunction_of(Q(Q::OP_VALUE_RANGE, 0, "a", "b")));
  CHECK_FALSE(conjunction_of(Q(Q::OP_OR, Q("a"), Q(Q::OP_AND, Q("b"), Q("c")))));
  CHECK_FALSE(conjunction_of(Q(Q::OP_AND_NOT, Q("a"), Q(Q::OP_AND, Q("b"), Q("c")))));
  CHECK_FALSE(conjunction_of(Q(Q::OP_AND_NOT, Q("a"), Q::MatchAll)));
  CHECK_FALSE(conjunction_of(Q(Q::OP_XOR, Q("a"), Q("b"))));
  CHECK_FALSE(conjunction_of(Q((new Xapian::ValueWeightPostingSource(0))->release())));
}

TEST_CASE("conjunction_of knows which terms Xapian weighs") {
  const auto c = conjunction_of(Q(Q::OP_FILTER, Q(Q::OP_AND, Q("a", 2, 1), Q(Q::OP_OR, Q("b", 1, 2), Q("c", 1, 3))),
                                  Q(Q::OP_AND_NOT, Q("d"), Q("e"))));
  REQUIRE(c);
  CHECK(c->weighable);
  REQUIRE(c->weighted.size() == 3);  // a, b and c; not the filter d nor the excluded e
  CHECK(c->all[c->weighted[0].clause][c->weighted[0].index] == "a");
  CHECK(c->weighted[0].wqf == 2);
  CHECK(c->all[c->weighted[2].clause][c->weighted[2].index] == "c");
  CHECK(c->weighted[2].wqf == 1);
  CHECK(conjunction_of(Q(Q::OP_AND_NOT, Q::MatchAll, Q("a")))->weighted.empty());
  // Weights that are not the sum of BM25 parts of the clauses' terms.
  CHECK_FALSE(conjunction_of(Q(Q::OP_SYNONYM, Q("a"), Q("b")))->weighable);
  CHECK_FALSE(conjunction_of(Q(Q::OP_SCALE_WEIGHT, Q("a"), 2.0))->weighable);
  CHECK_FALSE(conjunction_of(Q(Q::OP_AND_MAYBE, Q("a"), Q("b")))->weighable);
  CHECK_FALSE(conjunction_of(Q(Q::OP_OR, Q("a"), Q::MatchAll))->weighable);
  // ... unless Xapian does not weigh them at all.
  CHECK(conjunction_of(Q(Q::OP_FILTER, Q("a"), Q(Q::OP_SYNONYM, Q("b"), Q("c"))))->weighable);
  CHECK(conjunction_of(Q(Q::OP_FILTER, Q("a"), Q(Q::OP_SCALE_WEIGHT, Q("b"), 3.0)))->weighable);
}

TEST_CASE("the cursor visits what the matcher matches") {
  TempDir dir;
  const Xapian::Database db(make_db(dir));
  const std::vector<Q> queries = {
      Q("a"),
      Q("rare"),
      Q("absent"),
      Q::MatchAll,
      Q::MatchNothing,
      Q(Q::OP_AND, Q("a"), Q("b")),
      Q(Q::OP_AND, Q(Q::OP_AND, Q("a"), Q("b")), Q(Q::OP_AND, Q("c"), Q("e"))),
      Q(Q::OP_AND, Q("rare"), Q("a")),
      Q(Q::OP_AND, Q("absent"), Q("a")),
      Q(Q::OP_OR, Q("rare"), Q("e")),
      Q(Q::OP_OR, Q("absent"), Q("rare")),
      Q(Q::OP_FILTER, Q(Q::OP_OR, Q("d"), Q("e")), Q(Q::OP_OR, Q("b"), Q("rare"))),
      Q(Q::OP_AND_NOT, Q("a"), Q("b")),
      Q(Q::OP_AND_NOT, Q::MatchAll, Q(Q::OP_OR, Q("a"), Q("b"))),
      Q(Q::OP_AND_NOT, Q(Q::OP_AND, Q("c"), Q("d")), Q(Q::OP_OR, Q("absent"), Q("e"))),
      Q(Q::OP_SYNONYM, Q("c"), Q("rare")),
  };
  for (const Q& q : queries) {
    CAPTURE(q.get_description());
    const auto c = conjunction_of(q);
    REQUIRE(c);
    check_same(db, q, *c);
  }
}

TEST_CASE("the cursor weighs each match as the matcher does") {
  TempDir dir;
  const Xapian::Database db(make_db(dir));
  const std::vector<Q> queries = {
      Q("a"),
      Q("rare", 3),
      Q::MatchAll,
      Q(Q::OP_AND, Q("a"), Q("b")),
      Q(Q::OP_AND, Q("c", 1, 1), Q("c", 1, 2)),  // one term twice
      Q(Q::OP_OR, Q("rare"), Q("e")),
      Q(Q::OP_FILTER, Q(Q::OP_OR, Q("d"), Q("e")), Q(Q::OP_OR, Q("b"), Q("rare"))),
      Q(Q::OP_AND_NOT, Q("a"), Q("b")),
      Q(Q::OP_AND_NOT, Q::MatchAll, Q(Q::OP_OR, Q("a"), Q("b"))),
      Q(Q::OP_AND, Q(Q::OP_AND, Q("a"), Q("b")), Q(Q::OP_OR, Q("c"), Q("e"))),
  };
  for (const Q& q : queries) {
    CAPTURE(q.get_description());
    const auto c = conjunction_of(q);
    REQUIRE(c);
    REQUIRE(c->weighable);
    Xapian::Enquire e(db);
    e.set_query(q);
    const Xapian::MSet m = e.get_mset(0, db.get_doccount());
    std::map<Xapian::docid, double> want;
    for (auto it = m.begin(); it != m.end(); ++it) want[*it] = it.get_weight();
    ConjunctionCursor cur(db, *c, 1, db.get_lastdocid());
    std::size_t seen = 0, same = 0, close = 0;
    const bool exact = c->weighted.size() <= 2;  // more terms may be summed in another order
    while (const Xapian::docid did = cur.next()) {
      ++seen;
      const double w = cur.weight();
      same += w == want[did];
      close += std::abs(w - want[did]) <= 1e-12 * want[did];
    }
    CHECK(seen == want.size());
    CHECK(close == seen);
    if (exact) CHECK(same == seen);
  }
}

TEST_CASE("a column filter keeps what the value range keeps") {
  TempDir dir;
  const std::string path = make_db(dir);
  const Xapian::Database db(path);
  const auto columns = std::make_shared<const ValueColumns>(db, std::vector<Xapian::valueno>{0});
  for (auto [lo, hi] : {std::pair<std::string, std::string>{"20201115", "20201212"}, {"20201200", ""},
                        {"00000000", "20201010"}, {"2030", ""}}) {
    CAPTURE(lo);
    CAPTURE(hi);
    const Q range = hi.empty() ? Q(Q::OP_VALUE_GE, 0, lo) : Q(Q::OP_VALUE_RANGE, 0, lo, hi);
    // The column proposes where it keeps fewer documents than the rarest clause; else "rare" does.
    for (const Q& text : {Q::MatchAll, Q("a"), Q("rare"), Q(Q::OP_AND_NOT, Q(Q::OP_OR, Q("b"), Q("c")), Q("d"))}) {
      auto c = conjunction_of(text);
      REQUIRE(c);
      add_column_range(*c, columns, 0, lo, hi);
      check_same(db, Q(Q::OP_FILTER, text, range), *c);
    }
  }
  auto c = conjunction_of(Q("a"));
  CHECK_THROWS_AS(add_column_range(*c, columns, 5, "a", "b"), std::invalid_argument);
  add_column_range(*c, columns, 0, "a", "b");
  CHECK_THROWS_AS(add_column_range(*c, columns, 0, "a", "b"), std::invalid_argument);
  auto counted = conjunction_of(Q("a"));
  counted->columns = columns;  // read for counting: a filter on them may follow, not one on others
  CHECK_THROWS_AS(add_column_range(*counted, std::make_shared<const ValueColumns>(db, std::vector<Xapian::valueno>{0}), 0,
                                   "a", "b"),
                  std::invalid_argument);
  add_column_range(*counted, columns, 0, "a", "b");
  CHECK(counted->column == 0);
}
