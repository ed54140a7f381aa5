"""Repository-root conftest: makes the checkout importable when run from a git worktree."""
