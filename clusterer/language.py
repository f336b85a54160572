"""Language of each article, and stop words per language.

Articles in different languages are never in one storyline, and each language's
TF-IDF drops that language's function words. Detection uses ``py3langid`` (a naive
Bayes model over byte n-grams, shipped inside its 4.5 MB wheel: no download at run
time; BSD licence). Its cost grows with the text, so texts are cut to ``SAMPLE_CHARS``
first (the headline and the start of the body): about 0.3 ms an article on this
machine. It was
chosen over ``langdetect`` (slower, randomised unless seeded) and
``lingua-language-detector`` (a far larger wheel) for speed and size.

The guesses are limited to the languages of written news with stop lists here and a
few more scripts (``LANGUAGES``): among all its labels, py3langid calls one English
headline in twenty Nigerian Pidgin, some with probability 0.7. A headline alone is
often too short to tell, so a guess counts only when it is confident
(``MIN_CONFIDENCE``: the 2,000 English headlines of uci-dev score at most 0.55 for
another language, single Spanish headlines 0.8 to 0.95 for Spanish) and the text long
enough (``MIN_CHARS``); every other article takes the language most confidently
detected in the dump (the dump's main language).

Stop words: scikit-learn's English list for English; for other languages the lists of
jusText (a dependency of trafilatura, BSD licence), which name each language's most
frequent words; languages without a list get none (the TF-IDF ``max_df`` still drops
the words in most documents).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

UNKNOWN = "und"
MIN_CONFIDENCE = 0.7  # normalised probability of the best language
MIN_CHARS = 40  # shorter texts are too short to tell (most single headlines)
SAMPLE_CHARS = 160  # enough to tell a language; the cost of a guess grows with length

# ISO 639-1 codes (py3langid's labels) to jusText's stop-list names.
_JUSTEXT_NAMES = {
    "af": "Afrikaans", "an": "Aragonese", "ar": "Arabic", "az": "Azerbaijani",
    "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali", "br": "Breton", "bs": "Bosnian",
    "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "el": "Greek", "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician",
    "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian",
    "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "is": "Icelandic",
    "it": "Italian", "ka": "Georgian", "kk": "Kazakh", "kn": "Kannada", "ko": "Korean",
    "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin", "lb": "Luxembourgish",
    "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
    "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "ne": "Nepali", "nl": "Dutch",
    "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "oc": "Occitan", "pl": "Polish",
    "pt": "Portuguese", "qu": "Quechua", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili",
    "ta": "Tamil", "te": "Telugu", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "wa": "Walloon", "yo": "Yoruba",
}


# Scripts without a stop list here, written by many news sites.
_MORE = ("en", "zh", "ja", "th", "km", "lo", "my", "am", "mn", "si", "pa", "ps", "or", "as")
LANGUAGES = tuple(sorted(set(_JUSTEXT_NAMES) | set(_MORE)))


# Day and month names say when, not what: two headlines sharing "Monday" share no story
# (jusText's lists already hold them for other languages).
ENGLISH_DATES = frozenset((
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "yesterday", "tomorrow", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"))


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # Imported and loaded when first used (0.5 s): `clusterer dedup` never needs it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in LANGUAGES if lang in identifier.nb_classes])
    return identifier


def guess(text: str) -> tuple[str, float]:
    """The most likely language of a text (ISO 639-1) and its probability."""
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


def detect_languages(texts: Sequence[str]) -> list[str]:
    """The language of each text; unsure ones take the dump's main language.

    Args:
        texts: One text per article (headline and start of the body).

    Returns:
        ISO 639-1 codes, one per text; ``UNKNOWN`` for all when no text is sure.
    """
    sure: list[str | None] = []
    for text in texts:
        sample = text[:SAMPLE_CHARS]
        language, probability = guess(sample) if len(sample.strip()) >= MIN_CHARS else ("", 0.0)
        sure.append(language if probability >= MIN_CONFIDENCE else None)
    counts = Counter(language for language in sure if language is not None)
    # Most frequent, then alphabetical: independent of the order of the texts.
    main = min(counts, key=lambda lang: (-counts[lang], lang)) if counts else UNKNOWN
    return [language or main for language in sure]


@cache
def stop_words(language: str) -> frozenset[str]:
    """Lower-case function words of a language (empty when none are known)."""
    if language in ("en", UNKNOWN):
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    name = _JUSTEXT_NAMES.get(language)
    if name is None:
        return frozenset()
    import justext

    return frozenset(w.lower() for w in justext.get_stoplist(name) if w.isalpha())
