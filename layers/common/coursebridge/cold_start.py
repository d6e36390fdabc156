"""A Lambda function's initialization without the cyclic garbage collector.

Importing a handler creates a few hundred thousand objects, and nearly all of them live as
long as the execution environment: the collector's passes over them while the modules load
free nothing and cost every function about 40 ms of its cold start
(bench/handler_import.py). Each handler imports this module before any other, which pauses
the collector, and calls :func:`finished` once its own module is built: the objects made so
far are moved out of the collector's sight (``gc.freeze``, so no later pass walks them
either) and the collector runs again for the requests.

Only the first import pauses it (a module runs once per process), which is all a Lambda
execution environment needs: it loads one handler.
"""

from __future__ import annotations

import gc

gc.disable()


def finished() -> None:
    """The handler module is built: keep what init made, collect from here on."""
    gc.freeze()
    gc.enable()
