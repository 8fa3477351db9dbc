"""A small labelled emoji set, generated (the course's emojify_data.csv and GloVe vectors are
not available offline).

Five classes, the course's: 0 heart (love), 1 baseball (sport), 2 smile (joy), 3 disappointed
(sadness), 4 fork and knife (food). Each sentence is one of five shared templates filled
with a subject and a class word or two from that class's list; not English, only word
statistics ("they adore" 0, "she bat today" 1, "that was so funny" 2, "you want lonely bad" 3,
"they dinner today" 4). Sentences are drawn by
``random.Random(seed)``; the same seed gives the same set. The word vectors are drawn too
(``word_vectors``): N(0, 1/n) per word, n = 50 as the course's GloVe vectors (with n = 8 the
40 class words do not separate linearly: 75 % at best, measured), so a sentence's class is
carried only by its class words, which the average of the vectors keeps.

To exercise the course's quirks every set also holds a word outside the vector map ("zyzzyva",
skipped by ``sentence_to_avg``) and a sentence made only of such words (its average is the
zero vector; torch's EmbeddingBag gives zeros for an empty bag in mean mode too).
"""
from __future__ import annotations

import random

import numpy as np

CLASSES = ("heart", "baseball", "smile", "disappointed", "fork_and_knife")

CLASS_WORDS = (
    ("love", "adore", "cherish", "darling", "sweetheart", "hug", "kiss", "miss"),
    ("baseball", "ball", "game", "team", "pitch", "score", "bat", "play"),
    ("happy", "glad", "laugh", "funny", "great", "joy", "smile", "fun"),
    ("sad", "lonely", "upset", "cry", "bad", "lost", "sorry", "tired"),
    ("food", "pizza", "dinner", "lunch", "eat", "hungry", "bread", "soup"),
)

SUBJECTS = ("i", "you", "we", "she", "he", "they")
TEMPLATES = ("{s} {w}", "{s} feel {w}", "{s} want {w} {v}", "that was so {w}", "{s} {w} today")

#: a word no vector map holds, and a sentence of nothing else
UNKNOWN = "zyzzyva"


def emoji_set(m: int = 40, seed: int = 0):
    """(X, Y): m sentences (m,) and their labels (m,) int, every class present; the first
    sentence has an unknown word in it, the last is made of unknown words only."""
    rng = random.Random(seed)
    sentences, labels = [], []
    for i in range(m):
        label = i % len(CLASSES)
        words = CLASS_WORDS[label]
        template = rng.choice(TEMPLATES)
        sentences.append(template.format(s=rng.choice(SUBJECTS), w=rng.choice(words),
                                         v=rng.choice(words)))
        labels.append(label)
    sentences[0] = f"{sentences[0]} {UNKNOWN}"
    sentences[-1] = f"{UNKNOWN} {UNKNOWN}"
    return np.array(sentences), np.array(labels)


def word_vectors(n: int = 50, seed: int = 0, dtype=np.float64) -> dict:
    """word -> N(0, 1/n) vector (n,) for every word of the templates (not UNKNOWN)."""
    rng = np.random.default_rng(seed)
    vocabulary = sorted({w for words in CLASS_WORDS for w in words} | set(SUBJECTS)
                        | {"feel", "want", "that", "was", "so", "today"})
    return {w: (rng.standard_normal(n) / np.sqrt(n)).astype(dtype) for w in vocabulary}
