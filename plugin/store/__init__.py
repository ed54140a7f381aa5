"""Editorial lexicon management: a versioned lexicon store (SQLite or PostgreSQL, :mod:`plugin.db`) with change-sets,
four-eyes publishing, previews, rollback, file import/export and API tokens.

Names passed as author / editor / approver are identities the caller verified (the service and
the CLI pass API-token names; see :mod:`plugin.store.actor`).

```python
from plugin.store import LexiconStore
store = LexiconStore("qinglang.db")
cs = store.create_changeset("alice", note="campaign terms")
store.set_change(cs, "add", entry={"term": "百家乐", "category": "gambling", "action": "block"}, editor="alice")
report = store.preview(cs)                    # decision diff on the preview corpus, of report.revision
version = store.publish(cs, approver="bob", expected_revision=report.revision)  # a new immutable version
rollback = store.request_rollback(1, author="carol")  # a change-set; someone else publishes it
```
"""

from __future__ import annotations

from .actor import Actor
from .config import StoreConfig
from .errors import AuthError, ConflictError, FourEyesError, Issue, NotFoundError, StoreError, ValidationError
from .files import ApplyResult, ImportReport, LexiconDocument
from .preview import CorpusText, PreviewReport
from .store import LexiconStore, default_matcher_factory
from .tokens import ROLES, TokenInfo, TokenStore, role_at_least

__all__ = [
    "Actor",
    "ApplyResult",
    "AuthError",
    "ConflictError",
    "CorpusText",
    "FourEyesError",
    "ImportReport",
    "Issue",
    "LexiconDocument",
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
