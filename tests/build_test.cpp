#include "build.h"

#include <doctest/doctest.h>

#include <map>

#include "schema.h"
#include "search.h"
#include "test_support.h"

using namespace incidex;
using namespace incidex::testing;

namespace {

std::vector<fs::path> sample_files() { return list_inputs({kRoot / "sample_corpus"}, [](InputProblem&&) {}); }

BuildReport build(const fs::path& db, unsigned jobs, unsigned shards = 0, unsigned batch = 7) {
  BuildOptions o;
  o.db = db;
  o.jobs = jobs;
  o.shards = shards;
  o.batch = batch;
  o.read = shipped_read_options();
  const std::atomic<bool> stop{false};
  return build_index(shipped_gazetteer(), o, sample_files(), [](InputProblem&&) {}, {}, stop);
}

// id → stored record of every article document (each id must appear once).
std::map<std::string, std::string> records(const fs::path& db) {
  const Xapian::Database d(db.string());
  std::map<std::string, std::string> out;
  for (auto it = d.postlist_begin(""); it != d.postlist_end(""); ++it) {
    const auto rec = schema::read_record(d.get_document(*it).get_data());
    const std::string id = rec.at("id").get<std::string>();
    CHECK_MESSAGE(out.count(id) == 0, "duplicate ", id);
    out[id] = rec.dump();
  }
  return out;
}

}  // namespace

TEST_CASE("a parallel build indexes exactly what a sequential one does, compacted into place") {
  TempDir dir;
  const BuildReport one = build(dir.path / "seq", 1);
  const BuildReport three = build(dir.path / "par", 3);
  REQUIRE(one.added > 50);
  CHECK(three.added == one.added);
  CHECK(three.replaced == one.replaced);
  CHECK(three.read == one.read);
  CHECK(records(dir.path / "par") == records(dir.path / "seq"));
  // The scratch shards are gone; only the two databases remain.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 2);

  Searcher seq((dir.path / "seq").string(), shipped_gazetteer()), par((dir.path / "par").string(), shipped_gazetteer());
  SearchRequest r;
  r.q = "rocket";
  CHECK(par.search(r).total == seq.search(r).total);
  r.q = "drone";
  CHECK(par.search(r).total == seq.search(r).total);
}

TEST_CASE("a parallel build into an existing database replaces by id") {
  TempDir dir;
  const fs::path db = dir.path / "db";
  const BuildReport first = build(db, 1);
  const BuildReport again = build(db, 2);
  CHECK(again.added == 0);
  CHECK(again.replaced == first.added + first.replaced);
  CHECK(records(db).size() == first.added);
}

TEST_CASE("a sharded build keeps its shards behind a stub and routes later builds to them") {
  TempDir dir;
  const fs::path db = dir.path / "db";
  const BuildReport first = build(db, 1, 2);
  CHECK(shard_count(db) == 2);
  CHECK(fs::exists(db / "XAPIANDB"));
  const Xapian::Database a((db / "shard-0").string()), b((db / "shard-1").string());
  CHECK(a.get_doccount() > 0);
  CHECK(b.get_doccount() > 0);
  CHECK(a.get_doccount() + b.get_doccount() == first.added);

  // Rebuilding without --shards, sequentially or not, replaces in place: no duplicates.
  const BuildReport again = build(db, 1);
  CHECK(again.added == 0);
  CHECK(build(db, 3).added == 0);
  CHECK(records(db).size() == first.added);
  Searcher s(db.string(), shipped_gazetteer());
  CHECK(s.doc_count() == first.added);

  CHECK_THROWS_AS(build(db, 1, 3), std::runtime_error);
  build(dir.path / "single", 1);                                          // a single database...
  CHECK_THROWS_AS(build(dir.path / "single", 1, 2), std::runtime_error);  // ...cannot be sharded later
}

TEST_CASE("a stopped build keeps nothing half-done, and stale scratch folders are removed") {
  TempDir dir;
  const fs::path db = dir.path / "db";
  const fs::path stale = dir.path / "db.parts-999999999";  // above any pid: its process is gone
  fs::create_directories(stale / "shard-0");
  BuildOptions o;
  o.db = db;
  o.jobs = 2;
  o.read = shipped_read_options();
  const std::atomic<bool> stop{true};
  const BuildReport r = build_index(shipped_gazetteer(), o, sample_files(), [](InputProblem&&) {}, {}, stop);
  CHECK(r.interrupted);
  CHECK(r.read == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK_FALSE(fs::exists(db));
}
