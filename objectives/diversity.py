"""Diversity of a dataset's questions: distinct-n, TF-IDF pairwise similarity, near duplicates,
and, when an embedding model is configured, embedding dispersion.

Text of a sample = question + context. Pairwise similarity is the mean cosine similarity of
TF-IDF vectors over all pairs (scikit-learn); a sample is a near duplicate when its most similar
other sample is at or above ``near_duplicate_threshold``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from harness.similarity import similarity_matrix as _similarity_matrix

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Diversity:
    distinct_1: float | None
    distinct_2: float | None
    pairwise_similarity: float | None
    near_duplicate_rate: float | None
    embedding_dispersion: float | None
    samples: int


def distinct_n(texts: Sequence[str], n: int) -> float | None:
    """Unique n-grams over all n-grams (lower-cased whitespace tokens), pooled across texts."""
    total, unique = 0, set()
    for text in texts:
        tokens = text.lower().split()
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else None


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    return _similarity_matrix(texts)  # one implementation, shared with the loop's dataset report


def embedding_dispersion(vectors: np.ndarray) -> float:
    """Mean cosine distance of each embedding to the centroid of all of them."""
    normed = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centroid = normed.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    return float(np.mean(1.0 - normed @ centroid))


def diversity(texts: Sequence[str], near_duplicate_threshold: float = 0.9, embedder: Embedder | None = None) -> Diversity:
    texts = [t for t in texts if t.strip()]
    if len(texts) < 2:
        return Diversity(distinct_n(texts, 1), distinct_n(texts, 2), None, None, None, len(texts))
    sims = similarity_matrix(texts)
    n = len(texts)
    off_diagonal = sims[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    dispersion = embedding_dispersion(np.asarray(embedder(texts), dtype=float)) if embedder else None
    return Diversity(
        distinct_1=distinct_n(texts, 1),
        distinct_2=distinct_n(texts, 2),
        pairwise_similarity=float(off_diagonal.mean()),
        near_duplicate_rate=float(np.mean(off_diagonal.max(axis=1) >= near_duplicate_threshold)),
        embedding_dispersion=dispersion,
        samples=n,
    )


def litellm_embedder(model: str, api_base: str | None = None) -> Embedder:
    """Embeddings from any LiteLLM embedding model (network); ``sim/hashing`` works offline."""
    if model == "sim/hashing":
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(n_features=512, alternate_sign=False)
        return lambda texts: vectorizer.transform(texts).toarray()

    def embed(texts: Sequence[str]) -> np.ndarray:
        import litellm

        response = litellm.embedding(model=model, input=list(texts), api_base=api_base)
        return np.array([item["embedding"] for item in response.data], dtype=float)

    return embed
