"""Builds the in-memory indexes in the background when the server starts, so no user waits for them.

Without it, the first expert shortlist after a start builds the matching snapshot (about 5 s for 10,000
experts with the embedding cache on disk, 100 s without it), and the first catalogue search embeds every
course (about 20 s for 10,000). Requests that arrive earlier simply wait for the same lock.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from skillatlas.db import unit_of_work

log = logging.getLogger("skillatlas.warm")


def warm_indexes(state: Any) -> threading.Thread:
    """Starts a daemon thread that builds the expert snapshot, the catalogue index and the label index."""

    from skillatlas.learning.catalogue_index import course_index
    from skillatlas.search.backends import get_backend, share_weights

    # Before any request: the encoder's weights are mapped from one file all workers share (skill extraction
    # and the default search backend both run on it), and the catalogue index keeps its embeddings and shared
    # files in the data directory.
    share_weights(get_backend("use-m3"), state.settings.data_dir)
    with state.sessions() as db:
        course_index(db, state.settings.embedding_backend, data_dir=state.settings.data_dir)

    def run() -> None:
        from skillatlas.experts.service import engine_for
        from skillatlas.learning.catalogue_index import course_index
        from skillatlas.taxonomy.label_index import label_index

        settings = state.settings
        started = time.perf_counter()
        try:
            with unit_of_work(state.sessions) as db:
                label_index(db).search(db, "warm up", limit=1)
            with unit_of_work(state.sessions) as db:
                engine_for(settings.data_dir, settings.embedding_backend).snapshot(db)
            with unit_of_work(state.sessions) as db:
                course_index(db, settings.embedding_backend).search(db, "warm up", limit=1)
        except Exception:  # the indexes are then built by the first request that needs them
            log.exception("warming the search and matching indexes failed")
            return
        log.info("search and matching indexes ready in %.1f s", time.perf_counter() - started)

    thread = threading.Thread(target=run, name="skillatlas-warm-indexes", daemon=True)
    thread.start()
    return thread
