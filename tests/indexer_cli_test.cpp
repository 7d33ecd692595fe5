// The incidex-index binary as a user runs it: exit codes, summaries, explain output, bad input.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace incidex::testing;

namespace {

const std::string kIndex = (kBin / "incidex-index").string();

// Runs incidex-index with `args`; stderr is merged into the output unless `quiet_stderr`.
RunResult index_cmd(const std::string& args, bool quiet_stderr = false) {
  return run(kIndex + " " + args + (quiet_stderr ? " 2>/dev/null" : " 2>&1"));
}

}  // namespace

TEST_CASE("build indexes the sample corpus, and a second build replaces every article") {
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  auto first = index_cmd("build --db " + db + " " + (kRoot / "sample_corpus").string());
  CHECK(first.code == 0);
  CHECK(first.out.find(" replaced)") != std::string::npos);
  CHECK(first.out.find("0 skipped") != std::string::npos);
  auto second = index_cmd("build --db " + db + " " + (kRoot / "sample_corpus").string());
  CHECK(second.code == 0);
  CHECK(second.out.find("(0 new,") != std::string::npos);

  auto stats = index_cmd("stats --json --db " + db, true);
  CHECK(stats.code == 0);
  const auto j = nlohmann::json::parse(stats.out);
  CHECK(j.at("documents").get<int>() >= 60);
  CHECK(j.at("facets").at("group").at("distinct").get<int>() > 5);
}

TEST_CASE("explain prints one JSON object per article with the documented fields") {
  TempDir tmp;
  const auto file = tmp.write("a.txt",
                              "Rockets strike base near Rmelan\n\n29-12-2023\nExample Wire\n\n"
                              "Militants fired rockets at U.S. troops at Kharab al-Jir base near Rmelan in Hasaka "
                              "province on Friday, the Islamic Resistance in Iraq said. No casualties were reported.\n");
  auto r = index_cmd("explain " + file.string(), true);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* field : {"id", "title", "source", "url", "published", "event_date", "groups", "weapons",
                            "locations", "killed", "injured"})
    CHECK_MESSAGE(j.contains(field), field);
  CHECK(j["published"] == "2023-12-29");
  CHECK(j["event_date"] == "2023-12-29");  // "on Friday" = the Friday on or before publication
  CHECK(j["event_date_precision"] == "day");
  CHECK(j["killed"] == 0);
  bool rmelan = false;
  for (const auto& loc : j["locations"])
    if (loc["id"] == "sy-rmelan") {
      rmelan = true;
      CHECK(loc["role"] == "main");
      CHECK(loc["path"].size() >= 2);
      CHECK(loc["mentions"][0]["end"].get<int>() > loc["mentions"][0]["begin"].get<int>());
    }
  CHECK(rmelan);
}

TEST_CASE("bad inputs are skipped with a message naming the file, and the run goes on") {
  TempDir tmp;
  tmp.write("in/empty.txt", "");
  tmp.write("in/binary.txt", std::string("\x00\x01\x02\x03\x00\xff\xfe", 7) + std::string(200, '\0'));
  tmp.write("in/feed.jsonl",
            "{\"id\":\"ok-1\",\"title\":\"Drone hits base\",\"text\":\"A drone struck the base in Syria on Monday.\",\"published\":\"2024-01-02\"}\n"
            "{not json\n"
            "{\"id\":\"no-text\",\"title\":\"Nothing\"}\n");
  const std::string db = (tmp.path / "db").string();
  auto r = index_cmd("build --db " + db + " " + (tmp.path / "in").string());
  CHECK(r.code == 0);
  CHECK(r.out.find("empty.txt") != std::string::npos);
  CHECK(r.out.find("binary.txt") != std::string::npos);
  CHECK(r.out.find("feed.jsonl:2") != std::string::npos);
  CHECK(r.out.find("feed.jsonl:3") != std::string::npos);
  CHECK(r.out.find("1 indexed") != std::string::npos);
}

TEST_CASE("a run that indexes nothing exits non-zero and keeps what was indexed before") {
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  tmp.write("good/a.json", R"({"id":"keep-me","title":"Rocket attack","text":"Rockets hit the base on Monday."})");
  REQUIRE(index_cmd("build --db " + db + " " + (tmp.path / "good").string()).code == 0);
  tmp.write("bad/empty.txt", "");
  auto r = index_cmd("build --db " + db + " " + (tmp.path / "bad").string());
  CHECK(r.code == 1);
  CHECK(r.out.find("1 articles and 1 incidents") != std::string::npos);
  auto missing = index_cmd("build --db " + db + " " + (tmp.path / "does-not-exist").string());
  CHECK(missing.code != 0);
  CHECK(missing.out.find("does-not-exist") != std::string::npos);
}
