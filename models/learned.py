"""A learned reader of reports beside the keywords: what a text is about, and how sure.

Character n-grams of the normalised text and of its pinyin (so that 垃极, "laji" and "la ji"
meet), and the keyword table's scores, feed a multinomial logistic regression
(scikit-learn). Its probability for the likeliest category is the confidence; below a
threshold chosen on held-back reports the resident is asked rather than the case routed
on a guess. The keywords stay: as features here, and as the explanation `explain` shows.

A model is trained from labelled examples (the shipped set, plus a street's own
corrections) with scikit-learn, and kept as plain data (vocabularies, idf weights, the
regression's coefficients): reading one needs no scikit-learn, whose import alone takes a
second. The shipped model is kept in a cache folder, a street's in the database.
"""

from __future__ import annotations

import hashlib
import io
import math
import pickle
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from models.classify import Classifier, Verdict
from models.text import compact, pinyin_key, words

# Asking a resident costs one tap; a wrong routing costs a hand-back and a day. The
# threshold is the lowest confidence at which the held-back reports were still read right
# this often.
AIM = 0.96
DEFAULT_THRESHOLD = 0.5
# Held-back reports are all reports: on them even a 0.2 reading is mostly right, but a
# liaison's "收到，马上去处理" reads 0.2 as something too. Below this it is a guess among twelve.
MIN_THRESHOLD = 0.3
SHIPPED = "shipped"


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    street: str = SHIPPED
    alley: str | None = None


def read_examples(text: str) -> list[Example]:
    """`street<TAB>category<TAB>alley or -<TAB>text` lines; '#' starts a comment."""
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ValueError(f"line {number}: expected 4 tab-separated fields")
        street, category, alley, body = parts
        examples.append(Example(body, category, street, None if alley == "-" else alley))
    return examples


def shipped_examples() -> list[Example]:
    """The labelled reports that come with the package (models/data/intake_examples.tsv)."""
    return read_examples(_shipped_text())


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return (files("models") / "data" / "intake_examples.tsv").read_text(encoding="utf-8")


# -- features -------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Lower case, NFKC, punctuation as spaces: what the character n-grams read."""
    return words(text).strip()


def pinyin_line(text: str) -> str:
    """The text's sound without tones or spaces: 复兴街 垃圾 and "Fùxīng jiē laji" both
    give 'fuxingjielaji'."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # pinyin_key is cached, and the keyword scores have just asked it the same text.
    return pinyin_key(text if len(bare) == len(decomposed) else bare).replace("|", "")


def keyword_scores(classifier: Classifier, codes: Sequence[str], text: str) -> list[float]:
    """The keyword table's score for each of `codes` (0 for a category the table no longer
    has): a feature block when squashed, and what `explain` shows."""
    text_compact, text_pinyin, text_words = compact(text), pinyin_key(text), words(text)
    table = classifier.categories
    return [
        sum(k.score(text_compact, text_pinyin, text_words) for k in table[code].keywords)
        if code in table
        else 0.0
        for code in codes
    ]


_WHITE_SPACES = re.compile(r"\s\s+")


def char_grams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's "char" analyzer: n-grams of the whole (lower-cased) text."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    grams = list(text) if low == 1 else []
    for n in range(max(low, 2), min(high + 1, len(text) + 1)):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


def char_wb_grams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's "char_wb" analyzer: n-grams within words padded with a space."""
    grams = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


@dataclass
class Grams:
    """One block of features as trained: which n-grams, their columns and idf weights."""

    kind: str  # "char" or "char_wb"
    low: int
    high: int
    vocabulary: dict[str, int]
    idf: Any  # numpy array

    def analyze(self, text: str) -> list[str]:
        grams = char_wb_grams if self.kind == "char_wb" else char_grams
        return grams(text, self.low, self.high)

    def row(self, text: str) -> tuple[list[int], list[float]]:
        """The text's tf-idf values at its known n-grams (sublinear tf, l2-normalised),
        as TfidfVectorizer computes them (a test holds the two equal)."""
        counts: dict[int, int] = {}
        for gram in self.analyze(text):
            index = self.vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        values = [(1.0 + math.log(n)) * float(self.idf[i]) for i, n in counts.items()]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return list(counts), [v / norm for v in values]


# The feature blocks, as scikit-learn is asked to fit them. n-grams seen in at least three
# reports: a third of the size, as good across streets.
CHARS = {"analyzer": "char_wb", "ngram_range": (1, 2), "sublinear_tf": True, "min_df": 3}
SOUNDS = {"analyzer": "char", "ngram_range": (3, 5), "sublinear_tf": True, "min_df": 3}
# Of the bytes a model is kept as, and of the features it reads: a change to either makes
# kept models unreadable (set aside, retrained) rather than silently misread.
FORMAT = 2


def _fitted_matrix(texts: Sequence[str], chars: Any, sounds: Any, keyword_rows: Any) -> Any:
    """The training rows, the vectorizers fitted on the way: columns in Model.logits' order."""
    from scipy import sparse

    blocks = [
        chars.fit_transform([plain(t) for t in texts]),
        sounds.fit_transform([pinyin_line(t) for t in texts]),
        sparse.csr_matrix(keyword_rows) * KEYWORD_WEIGHT,
    ]
    return sparse.hstack(blocks).tocsr()


def _regression(c: float) -> Any:
    """Multinomial logistic regression: its probabilities are what the threshold is set
    on, and reading is one product of a sparse row with a small matrix."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, solver="saga", max_iter=3000, tol=1e-3, class_weight="balanced", random_state=0
    )


KEYWORD_WEIGHT = 0.25
C = 10.0


@dataclass
class Model:
    """A trained reader and what is known of it. Plain data: reading and loading need no
    scikit-learn (its import alone takes a second), only training does."""

    chars: Grams
    sounds: Grams
    coef: Any  # numpy array, categories × features
    intercept: Any
    categories: list[str]
    keyword_codes: list[str]  # the keyword block's order when trained
    classifier: Classifier
    threshold: float = DEFAULT_THRESHOLD
    examples: int = 0
    street_examples: int = 0
    accuracy: float | None = None  # on held-back reports, where the model did not ask
    asks: float | None = None  # the share of held-back reports it would ask about
    trained_at: datetime | None = None
    digest: str = ""

    def keyword_scores(self, text: str) -> list[float]:
        return keyword_scores(self.classifier, self.keyword_codes, text)

    def logits(self, text: str, scores: Sequence[float]) -> Any:
        """The regression's scores: its weights at the text's n-grams only."""
        char_idx, char_val = self.chars.row(plain(text))
        sound_idx, sound_val = self.sounds.row(pinyin_line(text))
        offset = len(self.chars.vocabulary)
        keyword_at = offset + len(self.sounds.vocabulary)
        indices = [*char_idx, *(offset + i for i in sound_idx)]
        indices += range(keyword_at, keyword_at + len(scores))
        values = [*char_val, *sound_val, *(v * KEYWORD_WEIGHT for v in squash(scores))]
        return self.coef[:, indices] @ values + self.intercept

    def ranked(self, text: str, scores: Sequence[float] | None = None) -> list[tuple[str, float]]:
        import numpy

        scores = self.keyword_scores(text) if scores is None else scores
        logits = self.logits(text, scores)
        exp = numpy.exp(logits - logits.max())  # softmax, as predict_proba takes it
        probabilities = exp / exp.sum()
        return sorted(
            zip(self.categories, (float(p) for p in probabilities), strict=True),
            key=lambda pair: -pair[1],
        )

    def probabilities(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        return [self.ranked(text) for text in texts]

    def read(self, text: str) -> Verdict:
        """The categories by probability, with the confidence and the threshold; the
        keyword scores come along as the explanation."""
        scores = self.keyword_scores(text)
        ranked = self.ranked(text, scores)
        top = self.classifier.categories.get(ranked[0][0])
        urgent = top is not None and self.classifier.is_urgent(top, text)
        explanation = sorted(
            (
                (code, round(score, 2))
                for code, score in zip(self.keyword_codes, scores, strict=True)
                if score > 0
            ),
            key=lambda pair: -pair[1],
        )
        return Verdict(
            [(code, round(p, 3)) for code, p in ranked if p >= 0.01],
            urgent,
            confidence=ranked[0][1],
            threshold=self.threshold,
            keywords=explanation,
        )

    def dumps(self) -> bytes:
        data = {
            "format": FORMAT,
            "blocks": [
                {
                    "kind": g.kind,
                    "low": g.low,
                    "high": g.high,
                    "vocabulary": g.vocabulary,
                    "idf": g.idf,
                }
                for g in (self.chars, self.sounds)
            ],
            "coef": self.coef,
            "intercept": self.intercept,
            "categories": self.categories,
            "keyword_codes": self.keyword_codes,
        }
        buffer = io.BytesIO()
        pickle.dump(data, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()


def squash(scores: Iterable[float]) -> list[float]:
    return [min(score, 6.0) / 6.0 for score in scores]


def loads(data: bytes, classifier: Classifier, **known: Any) -> Model:
    """A model kept as bytes; ValueError when they are not one (corrupt, another format)."""
    try:
        kept = pickle.loads(data)  # the bytes are our own database's or cache's
        if not isinstance(kept, dict) or kept.get("format") != FORMAT:
            raise ValueError("another format")
        chars, sounds = (Grams(**block) for block in kept["blocks"])
        return Model(
            chars,
            sounds,
            kept["coef"],
            kept["intercept"],
            list(kept["categories"]),
            list(kept["keyword_codes"]),
            classifier,
            **known,
        )
    except Exception as exc:  # unpickling raises whatever the bytes make it raise
        raise ValueError(f"not a model: {type(exc).__name__}: {exc}") from exc


def digest_of(examples: Sequence[Example]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.street}\t{e.category}\t{e.text}\n".encode())
    return h.hexdigest()[:16]


def fit(
    examples: Sequence[Example],
    classifier: Classifier,
    c: float = C,
    weights: Sequence[float] | None = None,
) -> Model:
    """A model fitted on the examples (of categories the table knows), without figures."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    pairs = [
        (e, w)
        for e, w in zip(examples, weights or [1.0] * len(examples), strict=True)
        if e.category in classifier.categories
    ]
    texts = [e.text for e, _w in pairs]
    codes = sorted(classifier.categories)
    rows = [squash(keyword_scores(classifier, codes, text)) for text in texts]
    chars, sounds = TfidfVectorizer(**CHARS), TfidfVectorizer(**SOUNDS)
    matrix = _fitted_matrix(texts, chars, sounds, rows)
    regression = _regression(c)
    regression.fit(matrix, [e.category for e, _w in pairs], sample_weight=[w for _e, w in pairs])

    def grams(vectorizer: Any, spec: dict[str, Any]) -> Grams:
        low, high = spec["ngram_range"]
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        return Grams(spec["analyzer"], low, high, vocabulary, vectorizer.idf_)

    return Model(
        grams(chars, CHARS),
        grams(sounds, SOUNDS),
        regression.coef_,
        regression.intercept_,
        [str(c) for c in regression.classes_],
        codes,
        classifier,
    )


def choose_threshold(scored: Sequence[tuple[float, bool]], aim: float = AIM) -> float:
    """The lowest confidence above which held-back reports were read right at least `aim`
    of the time (asking about the fewest), never below MIN_THRESHOLD; the default when none
    is that good."""
    ranked = sorted(scored, key=lambda pair: -pair[0])
    right = 0
    best = None
    for n, (confidence, hit) in enumerate(ranked, start=1):
        right += hit
        if right / n >= aim:
            best = confidence
    return max(best, MIN_THRESHOLD) if best is not None else DEFAULT_THRESHOLD


def held_back_scores(
    examples: Sequence[Example],
    classifier: Classifier,
    weights: Sequence[float] | None = None,
    folds: int = 5,
    seed: int = 7,
) -> list[tuple[float, bool]]:
    """(confidence, right) for each example, read by a model trained without its fold."""
    weights = list(weights or [1.0] * len(examples))
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    scored: list[tuple[float, bool]] = []
    for k in range(folds):
        test = [examples[i] for i in order[k::folds]]
        train_ids = [i for j, i in enumerate(order) if j % folds != k]
        model = fit(
            [examples[i] for i in train_ids], classifier, weights=[weights[i] for i in train_ids]
        )
        for example, ranked in zip(test, model.probabilities([e.text for e in test]), strict=True):
            scored.append((ranked[0][1], ranked[0][0] == example.category))
    return scored


def train(
    examples: Sequence[Example],
    classifier: Classifier,
    *,
    now: datetime | None = None,
    street_examples: int = 0,
    weights: Sequence[float] | None = None,
) -> Model:
    """A model from the examples, its threshold and figures from a 5-fold held-back run."""
    pairs = [
        (e, w)
        for e, w in zip(examples, weights or [1.0] * len(examples), strict=True)
        if e.category in classifier.categories
    ]
    usable = [e for e, _w in pairs]
    usable_weights = [w for _e, w in pairs]
    scored = held_back_scores(usable, classifier, usable_weights)
    threshold = choose_threshold(scored)
    kept = [hit for confidence, hit in scored if confidence >= threshold]
    model = fit(usable, classifier, weights=usable_weights)
    model.threshold = threshold
    model.examples = len(usable)
    model.street_examples = street_examples
    model.accuracy = sum(kept) / len(kept) if kept else None
    model.asks = 1 - len(kept) / len(scored) if scored else None
    model.trained_at = now
    model.digest = digest_of(usable)
    return model
