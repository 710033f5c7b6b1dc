"""Near duplicates among texts: TF-IDF cosine similarity (scikit-learn), shared by the loop's
dataset-level report (harness/dataset_feedback.py) and the scorecard's diversity (objectives/)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectors = TfidfVectorizer().fit_transform(texts)
    return cosine_similarity(vectors)


def near_duplicate_rate(texts: Sequence[str], threshold: float = 0.9) -> float | None:
    """Share of texts whose most similar other text is at or above ``threshold`` (None: < 2 texts)."""
    texts = [t for t in texts if t.strip()]
    if len(texts) < 2:
        return None
    sims = similarity_matrix(texts)
    n = len(texts)
    off_diagonal = sims[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    return float(np.mean(off_diagonal.max(axis=1) >= threshold))
