"""Editorial lexicon management: a versioned SQLite lexicon store with change-sets,
four-eyes publishing, previews, rollback, file import/export and API tokens.

```python
from plugin.store import LexiconStore
store = LexiconStore("qinglang.db")
cs = store.create_changeset("alice", note="campaign terms")
store.set_change(cs, "add", entry={"term": "百家乐", "category": "gambling", "action": "block"})
report = store.preview(cs)                    # decision diff on the preview corpus
version = store.publish(cs, approver="bob")   # a new immutable version
```
"""

from __future__ import annotations

from .config import StoreConfig
from .errors import AuthError, ConflictError, FourEyesError, Issue, NotFoundError, StoreError, ValidationError
from .files import ImportReport
from .preview import CorpusText, PreviewReport
from .store import LexiconStore, default_matcher_factory
from .tokens import ROLES, TokenInfo, TokenStore, role_at_least

__all__ = [
    "AuthError",
    "ConflictError",
    "CorpusText",
    "FourEyesError",
    "ImportReport",
    "Issue",
    "LexiconStore",
    "NotFoundError",
    "PreviewReport",
    "ROLES",
    "StoreConfig",
    "StoreError",
    "TokenInfo",
    "TokenStore",
    "ValidationError",
    "default_matcher_factory",
    "role_at_least",
]
