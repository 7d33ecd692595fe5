#include <doctest/doctest.h>

#include "normalize.h"

using incidex::fold;

TEST_CASE("transliteration variants fold to one key") {
  CHECK(fold("Kata'ib") == "kataib");
  CHECK(fold("Kata\xE2\x80\x99ib") == "kataib");  // right single quotation mark
  CHECK(fold("Kata\xCA\xBFib") == "kataib");      // modifier letter left half ring (ayn)
  CHECK(fold("KATAIB") == "kataib");
  CHECK(fold("Kataib") == "kataib");
}

TEST_CASE("accents, ligatures and German sharp s fold to ASCII") {
  CHECK(fold("Caf\xC3\xA9") == "cafe");          // precomposed é
  CHECK(fold("Cafe\xCC\x81") == "cafe");         // e + combining acute
  CHECK(fold("\xEF\xAC\x81re") == "fire");       // ﬁ ligature
  CHECK(fold("Stra\xC3\x9F" "e") == "strasse");
  CHECK(fold("\xE1\xB8\xA8" "asakah") == "hasakah");  // Ḩasakah as GeoNames spells it
}

TEST_CASE("possessives and punctuation are dropped, decimal points kept") {
  CHECK(fold("Hezbollah's") == "hezbollah");
  CHECK(fold("Hezbollah\xE2\x80\x99s") == "hezbollah");
  CHECK(fold("U.S") == "us");
  CHECK(fold("7.44") == "7.44");
  CHECK(fold("2,500") == "2500");
  CHECK(fold("--") == "");
}

TEST_CASE("Arabic spellings with and without diacritics meet") {
  // كَتَائِب (with harakat) and كتائب (without)
  CHECK(fold("\xD9\x83\xD9\x8E\xD8\xAA\xD9\x8E\xD8\xA7\xD8\xA6\xD9\x90\xD8\xA8") ==
        fold("\xD9\x83\xD8\xAA\xD8\xA7\xD8\xA6\xD8\xA8"));
  // أسد and اسد (hamza on alef)
  CHECK(fold("\xD8\xA3\xD8\xB3\xD8\xAF") == fold("\xD8\xA7\xD8\xB3\xD8\xAF"));
  CHECK_FALSE(fold("\xD8\xA7\xD8\xB3\xD8\xAF").empty());
}

TEST_CASE("stems follow the English Snowball stemmer") {
  CHECK(incidex::stem("rockets") == "rocket");
  CHECK(incidex::stem("attacked") == "attack");
}

TEST_CASE("queries are folded word by word, keeping operators and syntax") {
  CHECK(incidex::fold_query("Kata\xE2\x80\x99ib AND \"Tower 22\" -Iraq title:Rmelan attack*") ==
        "kataib AND \"tower 22\" -iraq title:rmelan attack*");
  CHECK(incidex::fold_query("al-Asad") == "al-asad");
}
