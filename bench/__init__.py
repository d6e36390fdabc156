"""Benchmarks (not tests): each module has a ``main()`` that prints its figures and a
baseline measured in the same run. ``make bench`` runs them all."""
