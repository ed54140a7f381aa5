"""Where the tests find the checkout and their data files."""

from __future__ import annotations

from pathlib import Path

#: The checkout (the directory holding plugin/, service/, lexicons/, docs/, bench/).
ROOT = Path(__file__).resolve().parents[1]
#: The tests' data files: core/ (the core test lexicon and small variant tables), rumors/, service/ (the
#: service test lexicon), store/ (lexicons and sample corpus of the store tests), the evaluation sets.
DATA = ROOT / "tests" / "data"
