"""``python -m oracle``: the oracle tour (see :mod:`oracle.tour`)."""

from oracle.tour import run_tour

if __name__ == "__main__":
    run_tour()
