// ValueColumns: codes read back to the stored values; counting through columns equals counting
// without them; shared_columns() builds in the background, follows commits, and refuses shards.
#include "value_columns.h"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <thread>

#include "test_support.h"
#include "value_counter.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

void add(Xapian::WritableDatabase& db, int from, int to) {
  for (int i = from; i < to; ++i) {
    Xapian::Document doc;
    doc.add_term(i % 2 ? "odd" : "even");
    if (i % 5) doc.add_value(3, "v" + std::to_string(i % 5));
    doc.add_value(4, std::to_string(i));
    db.add_document(doc);
  }
}

std::shared_ptr<const ValueColumns> wait_for(const std::string& path, const Xapian::Database& db,
                                             const std::vector<Xapian::valueno>& slots) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    if (auto c = shared_columns(path, db, slots)) return c;
    if (std::chrono::steady_clock::now() > until) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TEST_CASE("columns hold every document's value") {
  TempDir dir;
  const std::string path = (dir.path / "db").string();
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
    add(db, 0, 500);
    db.delete_document(7);
    db.commit();
  }
  const Xapian::Database db(path);
  const ValueColumns cols(db, {3, 4});
  CHECK(cols.revision() == db.get_revision());
  CHECK(cols.index_of(3) == 0);
  CHECK(cols.index_of(4) == 1);
  CHECK(cols.index_of(9) == -1);
  CHECK(cols.codes(0) == 5);  // "", v1..v4
  for (Xapian::docid did = 1; did <= 500; ++did) {
    const std::string want = did == 7 ? std::string() : db.get_document(did).get_value(3);
    CHECK(cols.value(0, cols.code(0, did)) == want);
  }
  CHECK(cols.code(1, 501) == 0);  // past the last document
  CHECK(cols.bytes() >= 2 * 501 * sizeof(std::uint32_t));
}

TEST_CASE("a range read from the columns matches the documents Xapian's value range matches") {
  TempDir dir;
  const std::string path = (dir.path / "db").string();
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
    add(db, 0, 600);
    for (Xapian::docid did : {3, 10, 11, 599, 600}) db.delete_document(did);  // the last ones too
    db.commit();
  }
  const Xapian::Database db(path);
  auto cols = std::make_shared<const ValueColumns>(db, std::vector<Xapian::valueno>{3, 4});
  for (Xapian::docid did : {3, 10, 600}) CHECK(cols->code(0, did) == 0);
  // docid 0, the 120 without a value (every fifth, 11 among them) and the other 4 deleted
  CHECK(cols->documents(0, 0) == 1 + 120 + 4);
  const auto docids = [&](const Xapian::Query& q) {
    Xapian::Enquire e(db);
    e.set_query(q);
    e.set_docid_order(Xapian::Enquire::ASCENDING);
    e.set_weighting_scheme(Xapian::BoolWeight());
    std::vector<Xapian::docid> out;
    const Xapian::MSet m = e.get_mset(0, db.get_doccount());
    for (auto it = m.begin(); it != m.end(); ++it) out.push_back(*it);
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> ranges = {
      {"v1", "v3"}, {"v2", ""}, {"", "v1"}, {"v0", "v9"}, {"v5", ""}, {"v3", "v3"}, {"v4", "v2"}};
  for (const auto& [lo, hi] : ranges) {
    CAPTURE(lo);
    CAPTURE(hi);
    const Xapian::Query xapian = hi.empty() ? Xapian::Query(Xapian::Query::OP_VALUE_GE, 3, lo)
                                            : Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 3, lo, hi);
    const Xapian::Query ours = column_range_query(cols, 3, lo, hi);
    const auto want = docids(xapian);
    CHECK(docids(ours) == want);
    // As a filter on a term, which moves it by check() and skip_to() instead of next().
    for (const char* term : {"odd", "even"})
      CHECK(docids(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(term), ours)) ==
            docids(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(term), xapian)));
    // Its estimate is exact.
    Xapian::Enquire e(db);
    e.set_query(ours);
    CHECK(e.get_mset(0, 0).get_matches_estimated() == want.size());
  }
  CHECK(docids(column_range_query(cols, 3, "v2", "v3")).size() > 100);
  CHECK_THROWS_AS(column_range_query(cols, 9, "a", "b"), std::invalid_argument);
}

TEST_CASE("counting through columns equals counting without") {
  TempDir dir;
  const std::string path = (dir.path / "db").string();
  {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
    add(db, 0, 700);
    db.commit();
  }
  const Xapian::Database db(path);
  auto cols = std::make_shared<const ValueColumns>(db, std::vector<Xapian::valueno>{3, 4});
  const auto count = [&](std::shared_ptr<const ValueColumns> c, Xapian::doccount& total) {
    Xapian::Enquire e(db);
    e.set_query(Xapian::Query("odd"));
    ValueCounter counter({3}, false, c);
    CHECK(counter.columns() == c);  // counts through the columns when given them
    counter.attach(e);
    e.get_mset(0, 5, db.get_doccount());
    total = counter.total();
    std::map<std::string, Xapian::doccount> out;
    counter.for_each(3, [&](const std::string& v, Xapian::doccount n) { out[v] += n; });
    return out;
  };
  Xapian::doccount with = 0, without = 0;
  const auto a = count(cols, with), b = count(nullptr, without);
  CHECK(a == b);
  CHECK(with == 350);
  CHECK(without == 350);
  CHECK(a.at("") == 70);  // i % 5 == 0 among the odd ones
}

TEST_CASE("shared columns are built in the background and follow commits") {
  TempDir dir;
  const std::string path = (dir.path / "db").string();
  Xapian::WritableDatabase w(path, Xapian::DB_CREATE);
  add(w, 0, 100);
  w.commit();
  Xapian::Database db(path);
  auto first = wait_for(path, db, {3, 4});
  REQUIRE(first);
  CHECK(first->revision() == db.get_revision());
  CHECK(shared_columns(path, db, {3, 4}) == first);  // the same columns, not rebuilt
  CHECK_FALSE(shared_columns(path, db, {3, 8}));     // slot 8 was not read: built now
  auto wider = wait_for(path, db, {3, 8});
  REQUIRE(wider);
  CHECK(wider->index_of(4) >= 0);  // with the slots asked for before

  add(w, 100, 150);
  w.replace_document(1, Xapian::Document());  // document 1 loses its values
  w.commit();
  db.reopen();
  auto second = wait_for(path, db, {3, 4});
  REQUIRE(second);
  CHECK(second->revision() == db.get_revision());
  CHECK(second->value(1, second->code(1, 150)) == "149");
  CHECK(second->code(1, 1) == 0);
  CHECK(first->value(1, first->code(1, 1)) == "0");  // older columns stay valid for their readers
}

TEST_CASE("no shared columns for several databases") {
  TempDir dir;
  for (const char* name : {"a", "b"}) {
    Xapian::WritableDatabase w((dir.path / name).string(), Xapian::DB_CREATE);
    add(w, 0, 10);
    w.commit();
  }
  Xapian::Database db((dir.path / "a").string());
  db.add_database(Xapian::Database((dir.path / "b").string()));
  CHECK_FALSE(shared_columns((dir.path / "a").string(), db, {3}));
}
