"""HTTP routes: checks (query, suggestions), trending review, review queue, system (health, metrics)."""
