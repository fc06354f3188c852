"""A learned reader of reports beside the keywords: what a text is about, and how sure.

Character n-grams of the normalised text and of its pinyin (so that 垃极, "laji" and "la ji"
meet), and the keyword table's scores, feed a multinomial logistic regression
(scikit-learn). Its probability for the likeliest category is the confidence; below a
threshold chosen on held-back reports the resident is asked rather than the case routed
on a guess. The keywords stay: as features here, and as the explanation `explain` shows.

A model is trained from labelled examples (the shipped set, plus a street's own
corrections) and kept as bytes: the shipped one in memory, a street's in the database.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    # pinyin_key is cached, and the keyword scores have just asked it the same.
    return pinyin_key(folded).replace("|", "")


class KeywordScores:
    """The keyword table's score per category, squashed to [0, 1]: a feature block."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.codes = sorted(classifier.categories)

    def scores(self, text: str) -> list[float]:
        """Each category's keyword score, in `codes` order (what `explain` shows)."""
        text_compact, text_pinyin, text_words = compact(text), pinyin_key(text), words(text)
        return [
            sum(
                k.score(text_compact, text_pinyin, text_words)
                for k in self.classifier.categories[code].keywords
            )
            for code in self.codes
        ]

    @staticmethod
    def squash(scores: Iterable[float]) -> list[float]:
        return [min(score, 6.0) / 6.0 for score in scores]

    def rows(self, texts: Iterable[str]) -> list[list[float]]:
        return [self.squash(self.scores(text)) for text in texts]


class Features:
    """Text to a sparse row: character n-grams of the text and of its sound, and the
    keyword scores (weighted: a few strong signals among thousands of weak ones)."""

    def __init__(self, classifier: Classifier) -> None:
        # Imported here: scikit-learn takes most of a second to import, and only training
        # and reading need it (the bot starts on the keywords meanwhile).
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.keywords = KeywordScores(classifier)
        # n-grams seen in at least three reports: a third of the size, as good across streets.
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True, min_df=3
        )
        self.sounds = TfidfVectorizer(
            analyzer="char", ngram_range=(3, 5), sublinear_tf=True, min_df=3
        )

    def __getstate__(self) -> dict[str, Any]:
        # The keyword table is the running bot's (it may be overridden), not the pickle's.
        state = dict(self.__dict__)
        state["keywords"] = None
        return state

    def bind(self, classifier: Classifier) -> None:
        self.keywords = KeywordScores(classifier)

    def _stack(
        self,
        texts: Sequence[str],
        chars: Any,
        sounds: Any,
        keyword_rows: list[list[float]] | None = None,
    ) -> Any:
        from scipy import sparse

        rows = keyword_rows if keyword_rows is not None else self.keywords.rows(texts)
        scores = sparse.csr_matrix(rows) * KEYWORD_WEIGHT
        return sparse.hstack([chars, sounds, scores]).tocsr()

    def fit_transform(self, texts: Sequence[str]) -> Any:
        return self._stack(
            texts,
            self.chars.fit_transform([plain(t) for t in texts]),
            self.sounds.fit_transform([pinyin_line(t) for t in texts]),
        )

    def transform(self, texts: Sequence[str], keyword_rows: list[list[float]] | None = None) -> Any:
        import sklearn

        # The texts are ours, already checked: scikit-learn's checks of every argument
        # cost more than the reading itself.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self._stack(
                texts,
                self.chars.transform([plain(t) for t in texts]),
                self.sounds.transform([pinyin_line(t) for t in texts]),
                keyword_rows,
            )


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
    """A trained reader and what is known of it."""

    features: Any
    regression: Any
    classifier: Classifier
    threshold: float = DEFAULT_THRESHOLD
    examples: int = 0
    street_examples: int = 0
    accuracy: float | None = None  # on held-back reports, where the model did not ask
    asks: float | None = None  # the share of held-back reports it would ask about
    trained_at: datetime | None = None
    digest: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        return [str(c) for c in self.regression.classes_]

    def probabilities(
        self, texts: Sequence[str], keyword_rows: list[list[float]] | None = None
    ) -> list[list[tuple[str, float]]]:
        from scipy.special import softmax

        matrix = self.features.transform(texts, keyword_rows)
        # predict_proba's own product and softmax, without its per-call checks.
        logits = matrix @ self.regression.coef_.T + self.regression.intercept_
        codes = self.categories
        return [
            sorted(zip(codes, (float(p) for p in row), strict=True), key=lambda pair: -pair[1])
            for row in softmax(logits, axis=1)
        ]

    def read(self, text: str) -> Verdict:
        """The categories by probability, with the confidence and the threshold; the
        keyword scores come along as the explanation."""
        keywords = self.features.keywords
        scores = keywords.scores(text)
        ranked = self.probabilities([text], [keywords.squash(scores)])[0]
        top = self.classifier.categories.get(ranked[0][0])
        urgent = top is not None and self.classifier.is_urgent(top, text)
        explanation = sorted(
            (
                (code, round(score, 2))
                for code, score in zip(keywords.codes, scores, strict=True)
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
        # What TfidfVectorizer keeps of the n-grams it dropped is needed by nobody.
        for vectorizer in (self.features.chars, self.features.sounds):
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        buffer = io.BytesIO()
        pickle.dump((self.features, self.regression), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()


def loads(data: bytes, classifier: Classifier, **known: Any) -> Model:
    """A model kept as bytes; ValueError when they are not one (corrupt, another version)."""
    try:
        features, regression = pickle.loads(data)  # the bytes are our own database's
    except Exception as exc:  # unpickling raises whatever the bytes make it raise
        raise ValueError(f"not a model: {type(exc).__name__}") from exc
    if not isinstance(features, Features):
        raise ValueError("not a model: unexpected content")
    features.bind(classifier)
    return Model(features, regression, classifier, **known)


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
) -> tuple[Features, Any]:
    """Features and regression fitted on the examples (of categories the table knows)."""
    pairs = [
        (e, w)
        for e, w in zip(examples, weights or [1.0] * len(examples), strict=True)
        if e.category in classifier.categories
    ]
    features, regression = Features(classifier), _regression(c)
    matrix = features.fit_transform([e.text for e, _w in pairs])
    regression.fit(matrix, [e.category for e, _w in pairs], sample_weight=[w for _e, w in pairs])
    return features, regression


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
        features, regression = fit(
            [examples[i] for i in train_ids], classifier, weights=[weights[i] for i in train_ids]
        )
        model = Model(features, regression, classifier)
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
    features, regression = fit(usable, classifier, weights=usable_weights)
    return Model(
        features,
        regression,
        classifier,
        threshold=threshold,
        examples=len(usable),
        street_examples=street_examples,
        accuracy=sum(kept) / len(kept) if kept else None,
        asks=1 - len(kept) / len(scored) if scored else None,
        trained_at=now,
        digest=digest_of(usable),
    )
