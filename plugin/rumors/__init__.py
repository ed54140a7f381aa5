"""Rumour / refutation index: store rumours, match queries and content, pin refutations.

```python
from plugin.rumors import RumorStore, RumorIndex
store = RumorStore("qinglang.db")
index = RumorIndex.from_store(store)
index.match("喝热水能杀死病毒吗").pins
```
"""

from __future__ import annotations

from .backend import RumorBackend
from .importer import ImportProblem, ImportReport, RumorImportError, export_jsonl, import_jsonl, parse_jsonl
from .index import DEFAULT_THRESHOLD, RumorIndex
from .models import Pin, PinTier, Refutation, Rumor, RumorLabel, RumorMatch, RumorMatchResult, RumorStatus
from .scoring import RumorScoring
from .store import RumorStore, UpsertStats

__all__ = [
    "DEFAULT_THRESHOLD",
    "ImportProblem",
    "ImportReport",
    "Pin",
    "PinTier",
    "Refutation",
    "Rumor",
    "RumorBackend",
    "RumorImportError",
    "RumorIndex",
    "RumorLabel",
    "RumorMatch",
    "RumorMatchResult",
    "RumorScoring",
    "RumorStatus",
    "RumorStore",
    "UpsertStats",
    "export_jsonl",
    "import_jsonl",
    "parse_jsonl",
]
