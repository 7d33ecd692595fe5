#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "gazetteer.h"

using namespace incidex;

namespace {

Gazetteer small() {
  Gazetteer g;
  g.add_tsv(Facet::group,
            "# test groups\n"
            "id\tname\tkind\tparent\tcountry\taliases\n"
            "islamic-resistance-in-iraq\tIslamic Resistance in Iraq\tiran_backed\t\tiq\tIRI\n"
            "kataib-hezbollah\tKataib Hezbollah\tiran_backed\tislamic-resistance-in-iraq\tiq\t"
            "Kata'ib Hezbollah|Qataiba Hezbollah|KH|\xD9\x83\xD8\xAA\xD8\xA7\xD8\xA6\xD8\xA8 \xD8\xAD\xD8\xB2\xD8\xA8 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87\n"
            "hezbollah\tHezbollah\tiran_backed\t\tlb\tHizballah\n",
            "groups.tsv");
  g.add_tsv(Facet::weapon,
            "id\tname\tparent\taliases\n"
            "rocket\tRocket\t\trocket attack\n"
            "katyusha-rocket\tKatyusha rocket\trocket\tKatyusha\n"
            "drone\tDrone\t\tUAV\n"
            "one-way-attack-drone\tOne-way attack drone\tdrone\tkamikaze drone\n",
            "weapons.tsv");
  g.add_tsv(Facet::place,
            "id\tname\tkind\tparent\tlat\tlon\taliases\n"
            "iq\tIraq\tcountry\t\t33\t44\t\n"
            "sy\tSyria\tcountry\t\t35\t38\t\n"
            "sy-hasakah-province\tHasakah\tprovince\tsy\t36.5\t40.7\tHasaka\n"
            "sy-hasakah\tHasakah\ttown\tsy-hasakah-province\t36.5\t40.75\tHasaka\n"
            "sy-rmelan\tRmelan\ttown\tsy-hasakah-province\t37.0\t41.9\tRumalyn|Rumeilan\n"
            "sy-kharab-al-jir\tKharab al-Jir\tbase\tsy-rmelan\t36.9\t41.9\t\n"
            "iq-hit\tHit\ttown\tiq\t33.6\t42.8\t\n"
            "iq-ain-al-asad-air-base\tAin al-Asad Air Base\tbase\tiq\t33.8\t42.4\tAl-Asad|Al Asad Airbase\n",
            "places.tsv");
  g.add_tsv(Facet::source, "id\tname\tdomains\taliases\nrudaw\tRudaw\trudaw.net\tRudaw English\n", "sources.tsv");
  g.finish();
  return g;
}

std::vector<std::string> ids(const Gazetteer& g, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& m : g.match(tokenize(text), text)) out.push_back(m.candidates.front()->id);
  return out;
}

}  // namespace

TEST_CASE("spelling variants of a group match one entity") {
  auto g = small();
  CHECK(ids(g, "Kata'ib Hezbollah fired") == std::vector<std::string>{"kataib-hezbollah"});
  CHECK(ids(g, "Kata\xE2\x80\x99ib Hezbollah fired") == std::vector<std::string>{"kataib-hezbollah"});
  CHECK(ids(g, "Qataiba Hezbollah fired") == std::vector<std::string>{"kataib-hezbollah"});
  CHECK(ids(g, "KATAIB HEZBOLLAH") == std::vector<std::string>{"kataib-hezbollah"});
  CHECK(ids(g, "\xD9\x83\xD8\xAA\xD8\xA7\xD8\xA6\xD8\xA8 \xD8\xAD\xD8\xB2\xD8\xA8 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87") ==
        std::vector<std::string>{"kataib-hezbollah"});
}

TEST_CASE("longest match wins and spans are kept") {
  auto g = small();
  const std::string text = "The Islamic Resistance in Iraq hit Rumalyn in Syria.";
  auto tokens = tokenize(text);
  auto m = g.match(tokens, text);
  REQUIRE(m.size() == 3);
  CHECK(m[0].candidates.front()->id == "islamic-resistance-in-iraq");
  CHECK(tokens[m[0].first].begin == 4);
  CHECK(tokens[m[0].last - 1].end == 30);
  CHECK(m[1].candidates.front()->id == "sy-rmelan");
  CHECK(m[2].candidates.front()->id == "sy");
}

TEST_CASE("acronyms match case-sensitively, names only when capitalised") {
  auto g = small();
  CHECK(ids(g, "KH denied it") == std::vector<std::string>{"kataib-hezbollah"});
  CHECK(ids(g, "kh denied it").empty());
  CHECK(ids(g, "A rocket hit the base").size() == 1);  // the weapon, not the town of Hit
  CHECK(ids(g, "Clashes near Hit") == std::vector<std::string>{"iq-hit"});
}

TEST_CASE("weapons match on stems and the longest form") {
  auto g = small();
  CHECK(ids(g, "two Katyushas and several rockets") == std::vector<std::string>{"katyusha-rocket", "rocket"});
  CHECK(ids(g, "a kamikaze drone and UAVs") == std::vector<std::string>{"one-way-attack-drone", "drone"});
}

TEST_CASE("hyphenated aliases match spaced and joined forms") {
  auto g = small();
  CHECK(ids(g, "at Al Asad Airbase") == std::vector<std::string>{"iq-ain-al-asad-air-base"});
  CHECK(ids(g, "at al-Asad") == std::vector<std::string>{"iq-ain-al-asad-air-base"});
  CHECK(ids(g, "at Alasad") == std::vector<std::string>{"iq-ain-al-asad-air-base"});
}

TEST_CASE("shared names give every candidate, provinces get 'province' forms") {
  auto g = small();
  const std::string text = "in Hasaka";
  auto m = g.match(tokenize(text), text);
  REQUIRE(m.size() == 1);
  CHECK(m[0].candidates.size() == 2);
  CHECK(ids(g, "in Hasaka province") == std::vector<std::string>{"sy-hasakah-province"});
  CHECK(ids(g, "in Hasakah Governorate") == std::vector<std::string>{"sy-hasakah-province"});
}

TEST_CASE("ancestors walk the hierarchy nearest first") {
  auto g = small();
  auto a = g.ancestors(*g.find(Facet::place, "sy-kharab-al-jir"));
  REQUIRE(a.size() == 3);
  CHECK(a[0]->id == "sy-rmelan");
  CHECK(a[1]->id == "sy-hasakah-province");
  CHECK(a[2]->id == "sy");
}

TEST_CASE("sources resolve by name and by domain") {
  auto g = small();
  CHECK(g.source_by_name("RUDAW")->id == "rudaw");
  CHECK(g.source_by_name("Rudaw English")->id == "rudaw");
  CHECK(g.source_by_domain("www.rudaw.net")->id == "rudaw");
  CHECK(g.source_by_domain("example.org") == nullptr);
}

TEST_CASE("bad gazetteer rows are reported with file and line") {
  Gazetteer g;
  CHECK_THROWS_WITH_AS(g.add_tsv(Facet::group, "id\tname\tkind\nBad Id\tX\tstate\n", "g.tsv"),
                       doctest::Contains("g.tsv:2"), GazetteerError);
  Gazetteer g2;
  g2.add_tsv(Facet::group, "id\tname\tkind\na\tA\tstate\n", "one.tsv");
  CHECK_THROWS_WITH_AS(g2.add_tsv(Facet::group, "id\tname\tkind\na\tA2\tstate\n", "two.tsv"),
                       doctest::Contains("one.tsv:2"), GazetteerError);
  Gazetteer g3;
  g3.add_tsv(Facet::group, "id\tname\tkind\tparent\na\tA\tstate\tmissing\n", "p.tsv");
  CHECK_THROWS_WITH_AS(g3.finish(), doctest::Contains("parent 'missing'"), GazetteerError);
  Gazetteer g4;
  CHECK_THROWS_WITH_AS(g4.add_tsv(Facet::place, "id\tname\tkind\tlat\tlon\nx\tX\ttown\tnorth\t1\n", "pl.tsv"),
                       doctest::Contains("pl.tsv:2"), GazetteerError);
  Gazetteer g5;
  CHECK_THROWS_AS(g5.add_tsv(Facet::place, "id\tname\tkind\nx\tX\ttown\n", "nolat.tsv"), GazetteerError);
}

TEST_CASE("the shipped gazetteers load and are large enough") {
  auto g = Gazetteer::load(std::filesystem::path(INCIDEX_SOURCE_DIR) / "data" / "gazetteer");
  CHECK(g.entities(Facet::group).size() >= 80);
  CHECK(g.entities(Facet::weapon).size() >= 30);
  CHECK(g.entities(Facet::place).size() >= 600);
  CHECK(g.find(Facet::place, "jo-tower-22") != nullptr);
  CHECK(g.find(Facet::group, "kataib-hezbollah") != nullptr);
}
