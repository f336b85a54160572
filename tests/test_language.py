from clusterer.language import UNKNOWN, detect_languages, guess, stop_words

ENGLISH = "The central bank held interest rates steady on Wednesday and said inflation was easing."
SPANISH = "El banco central mantuvo los tipos de interés el miércoles y dijo que la inflación cede."
GERMAN = "Die Zentralbank hat die Zinsen am Mittwoch nicht verändert und sieht weniger Inflation."


def test_guesses_the_language_of_a_sentence():
    assert guess(ENGLISH)[0] == "en"
    assert guess(SPANISH)[0] == "es"
    assert guess(GERMAN)[0] == "de"


def test_short_texts_take_the_main_language_of_the_dump():
    # "Q & A on bitcoins" is too short to tell: it goes with the dump's main language.
    assert detect_languages([ENGLISH, ENGLISH, SPANISH, "Q & A on bitcoins"]) == [
        "en", "en", "es", "en"]


def test_main_language_does_not_depend_on_order():
    # One sure English and one sure Spanish text: ties go to the first code in order.
    assert detect_languages([SPANISH, ENGLISH, "Fed holds"]) == ["es", "en", "en"]
    assert detect_languages([ENGLISH, SPANISH, "Fed holds"]) == ["en", "es", "en"]


def test_no_sure_text_gives_unknown():
    assert detect_languages(["Fed holds", "Apple iOS"]) == [UNKNOWN, UNKNOWN]
    assert detect_languages([]) == []


def test_stop_words_per_language():
    assert {"the", "and", "of"} <= stop_words("en")
    assert {"el", "la", "que", "en", "las", "del"} <= stop_words("es")
    assert {"der", "die", "und"} <= stop_words("de")
    assert stop_words("zh") == frozenset()
    assert stop_words(UNKNOWN) == stop_words("en")
