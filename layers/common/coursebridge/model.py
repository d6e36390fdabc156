"""The base of every pydantic model in the layer.

A model's validator is built the first time the model is used, not when its module is
imported (``defer_build``): a Lambda function imports far more models than any one request
touches, and building them all at init cost the web function about 30 ms of its cold start.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator is built on first use."""

    model_config = ConfigDict(defer_build=True)
