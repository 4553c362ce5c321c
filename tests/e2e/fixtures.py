"""Where the shared third-party Delta fixtures are: ../shared/fixtures/delta above the checkout."""
import os


def fixtures_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    while here != "/":
        candidate = os.path.join(here, "shared", "fixtures", "delta")
        if os.path.isdir(candidate):
            return candidate
        here = os.path.dirname(here)
    raise RuntimeError("shared/fixtures/delta not found above " + __file__)
