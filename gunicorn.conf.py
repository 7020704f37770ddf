"""gunicorn's settings for serving the LIMS, read by `gunicorn lims.wsgi` started in this folder."""

import gc

# The project is imported once, in the master, before it forks the workers: they answer at once
# and share its memory.
preload_app = True


def pre_fork(server, worker):
    # What the import made lives as long as every worker. Frozen, it is no longer walked by each
    # full collection, which paused a worker for 40-70 ms every few hundred requests (a scan's
    # p99, bench/scan_http.py), and collections in the workers leave its pages shared.
    gc.freeze()
