// ValueCounter: counts equal a brute-force count over the matching documents, for the local spy
// and for the ValueCountMatchSpy path used with remote shards, also over two combined databases.
#include "value_counter.h"

#include <doctest/doctest.h>

#include <map>

#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

using Counts = std::map<std::string, Xapian::doccount>;

// Documents 0..n-1: term "even" or "odd"; slot 1 holds i % 7 ("" when 0), slot 2 a packed pair.
void fill(Xapian::WritableDatabase& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    Xapian::Document doc;
    doc.add_term(i % 2 ? "odd" : "even");
    doc.add_term("all");
    if (i % 7) doc.add_value(1, "v" + std::to_string(i % 7));
    doc.add_value(2, "a" + std::to_string(i % 3) + "|b" + std::to_string(i % 5));
    db.add_document(doc);
  }
}

Counts brute(int from, int to, Xapian::valueno slot, bool odd_only) {
  Counts c;
  for (int i = from; i < to; ++i) {
    if (odd_only && i % 2 == 0) continue;
    if (slot == 1) ++c[i % 7 ? "v" + std::to_string(i % 7) : ""];
    else ++c["a" + std::to_string(i % 3) + "|b" + std::to_string(i % 5)];
  }
  return c;
}

Counts count(const Xapian::Database& db, const std::string& term, Xapian::valueno slot, bool remote,
             Xapian::doccount* total = nullptr) {
  Xapian::Enquire e(db);
  e.set_query(Xapian::Query(term));
  ValueCounter counter({1, 2}, remote);
  counter.attach(e);
  e.get_mset(0, 10, db.get_doccount());
  if (total) *total = counter.total();
  Counts c;
  counter.for_each(slot, [&](const std::string& v, Xapian::doccount n) { c[v] += n; });
  return c;
}

}  // namespace

TEST_CASE("counts equal brute force, in both modes") {
  TempDir dir;
  {
    Xapian::WritableDatabase db((dir.path / "db").string(), Xapian::DB_CREATE);
    fill(db, 0, 1000);
    db.commit();
  }
  const Xapian::Database db((dir.path / "db").string());
  for (bool remote : {false, true}) {
    CAPTURE(remote);
    Xapian::doccount total = 0;
    CHECK(count(db, "odd", 1, remote, &total) == brute(0, 1000, 1, true));
    CHECK(total == 500);
    CHECK(count(db, "odd", 2, remote) == brute(0, 1000, 2, true));
    CHECK(count(db, "all", 1, remote, &total) == brute(0, 1000, 1, false));
    CHECK(total == 1000);
    CHECK(count(db, "none", 1, remote, &total).empty());
    CHECK(total == 0);
  }
}

TEST_CASE("counts over two combined databases") {
  TempDir dir;
  {
    Xapian::WritableDatabase a((dir.path / "a").string(), Xapian::DB_CREATE);
    Xapian::WritableDatabase b((dir.path / "b").string(), Xapian::DB_CREATE);
    fill(a, 0, 300);
    fill(b, 300, 700);
    a.commit();
    b.commit();
  }
  Xapian::Database db((dir.path / "a").string());
  db.add_database(Xapian::Database((dir.path / "b").string()));
  CHECK(count(db, "all", 2, false) == brute(0, 700, 2, false));
  CHECK(count(db, "odd", 1, false) == count(db, "odd", 1, true));
}

TEST_CASE("a slot not counted is an error") {
  ValueCounter counter({1}, false);
  CHECK_THROWS_AS(counter.for_each(3, [](const std::string&, Xapian::doccount) {}), std::invalid_argument);
}
