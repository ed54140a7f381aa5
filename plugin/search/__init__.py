"""Search-stack integration: query-text extraction, client hooks, search-engine rumour backend, ES query rules.

Importing this package needs no search client library; the hooks work with any object that has
opensearch-py / elasticsearch-py's ``search`` / ``msearch`` signatures.
"""

from plugin.search.dsl import QueryTextExtractor, extract_query_text, strip_query_syntax
from plugin.search.hooks import (
    GuardedAsyncClient,
    GuardedClient,
    SearchGuard,
    SearchGuardConfig,
    UpstreamRequest,
    guard_client,
)
from plugin.search.policy import FEATURES, RefusedFeature, UpstreamAnswerError

__all__ = [
    "FEATURES",
    "GuardedAsyncClient",
    "GuardedClient",
    "QueryTextExtractor",
    "RefusedFeature",
    "SearchGuard",
    "SearchGuardConfig",
    "UpstreamAnswerError",
    "UpstreamRequest",
    "extract_query_text",
    "guard_client",
    "strip_query_syntax",
]
