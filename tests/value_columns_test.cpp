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
