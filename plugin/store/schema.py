"""SQLite schema of the lexicon store (``lexicon_*``), API tokens (``token_*``) and the
preview sample (``sample_*``). Each list is a sequence of migrations for :func:`plugin.db.migrate`."""

from __future__ import annotations

__all__ = ["LEXICON_MIGRATIONS", "SAMPLE_MIGRATIONS", "TOKEN_MIGRATIONS"]

LEXICON_MIGRATIONS = [
    """
    CREATE TABLE lexicon_versions (
        number        INTEGER PRIMARY KEY,
        parent        INTEGER,
        kind          TEXT NOT NULL CHECK (kind IN ('seed', 'publish', 'rollback')),
        author        TEXT NOT NULL,
        approver      TEXT NOT NULL DEFAULT '',
        note          TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        changeset_id  INTEGER,
        rollback_of   INTEGER,
        entry_count   INTEGER NOT NULL,
        digest        TEXT NOT NULL,
        diff_json     TEXT NOT NULL
    );
    CREATE TABLE lexicon_entries (
        id             INTEGER PRIMARY KEY,
        term_id        TEXT NOT NULL,
        category       TEXT NOT NULL,
        term           TEXT NOT NULL,
        action         TEXT NOT NULL,
        data           TEXT NOT NULL,
        since_version  INTEGER NOT NULL REFERENCES lexicon_versions(number),
        until_version  INTEGER REFERENCES lexicon_versions(number)
    );
    CREATE UNIQUE INDEX lexicon_entries_open ON lexicon_entries(term_id) WHERE until_version IS NULL;
    CREATE INDEX lexicon_entries_history ON lexicon_entries(term_id, since_version);
    CREATE INDEX lexicon_entries_span ON lexicon_entries(since_version, until_version);
    CREATE TABLE lexicon_changesets (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        base_version       INTEGER NOT NULL,
        author             TEXT NOT NULL,
        note               TEXT NOT NULL DEFAULT '',
        status             TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'discarded')),
        revision           INTEGER NOT NULL DEFAULT 0,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        published_version  INTEGER
    );
    CREATE TABLE lexicon_changes (
        changeset_id  INTEGER NOT NULL REFERENCES lexicon_changesets(id) ON DELETE CASCADE,
        term_id       TEXT NOT NULL,
        op            TEXT NOT NULL CHECK (op IN ('add', 'edit', 'remove')),
        data          TEXT,
        force         INTEGER NOT NULL DEFAULT 0,
        source        TEXT NOT NULL DEFAULT '',
        editor        TEXT NOT NULL DEFAULT '',
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (changeset_id, term_id)
    )
    """,
    # 2: identities and four-eyes. A change-set is an edit or a rollback (restoring ``rollback_of``);
    # everyone who changed a change-set is a contributor (none of them may approve it under four-eyes);
    # each version records how it was approved: seed | four-eyes | self (four-eyes off) |
    # single-operator | legacy (published before identities were taken from tokens).
    """
    ALTER TABLE lexicon_changesets ADD COLUMN kind TEXT NOT NULL DEFAULT 'edit'
        CHECK (kind IN ('edit', 'rollback'));
    ALTER TABLE lexicon_changesets ADD COLUMN rollback_of INTEGER;
    ALTER TABLE lexicon_versions ADD COLUMN approval TEXT NOT NULL DEFAULT '';
    UPDATE lexicon_versions SET approval = CASE kind WHEN 'seed' THEN 'seed' ELSE 'legacy' END;
    CREATE TABLE lexicon_contributors (
        changeset_id    INTEGER NOT NULL REFERENCES lexicon_changesets(id),
        name            TEXT NOT NULL,
        first_revision  INTEGER NOT NULL,
        at              TEXT NOT NULL,
        PRIMARY KEY (changeset_id, name)
    );
    INSERT OR IGNORE INTO lexicon_contributors (changeset_id, name, first_revision, at)
        SELECT id, author, 0, created_at FROM lexicon_changesets;
    INSERT OR IGNORE INTO lexicon_contributors (changeset_id, name, first_revision, at)
        SELECT changeset_id, editor, 0, updated_at FROM lexicon_changes WHERE editor <> ''
    """,
    # 3: the compiled matcher of a published version, built once (by the publisher or the first replica)
    # and loaded by every replica; one row per version and codec format. And the replicas serving the
    # store: each one's version and heartbeat (``/v1/admin/rollout``).
    """
    CREATE TABLE lexicon_artefacts (
        version     INTEGER NOT NULL REFERENCES lexicon_versions(number),
        format      TEXT NOT NULL,
        data        BLOB NOT NULL,
        size        INTEGER NOT NULL,
        built_by    TEXT NOT NULL,
        build_seconds REAL NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (version, format)
    );
    CREATE TABLE lexicon_replicas (
        replica_id      TEXT PRIMARY KEY,
        host            TEXT NOT NULL,
        pid             INTEGER NOT NULL,
        version_served  TEXT NOT NULL,
        reloads         INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT NOT NULL DEFAULT '',
        started_at      TEXT NOT NULL,
        last_seen       TEXT NOT NULL
    )
    """,
    # 4: who rebased or discarded a change-set, and when (neither changes its entries, so neither makes a
    # contributor; the record says who moved or abandoned the draft).
    """
    CREATE TABLE lexicon_changeset_events (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        changeset_id  INTEGER NOT NULL REFERENCES lexicon_changesets(id),
        event         TEXT NOT NULL CHECK (event IN ('rebase', 'discard')),
        actor         TEXT NOT NULL,
        at            TEXT NOT NULL,
        detail        TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX lexicon_changeset_events_cs ON lexicon_changeset_events(changeset_id, id)
    """,
    # 5: the SHA-256 of each artefact file kept in ``artefact_dir``: a file is loaded only when it is the one
    # recorded (whoever can write the directory must not serve a matcher no one approved).
    """
    CREATE TABLE lexicon_artefact_files (
        version     INTEGER NOT NULL REFERENCES lexicon_versions(number),
        format      TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (version, format)
    )
    """,
]

TOKEN_MIGRATIONS = [
    """
    CREATE TABLE token_tokens (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'approver', 'admin')),
        secret_hash   TEXT NOT NULL UNIQUE,
        prefix        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        revoked_at    TEXT,
        last_used_at  TEXT
    )
    """,
    # 2: role ``reviewer`` (decides the review queue) between reader and editor
    """
    CREATE TABLE token_tokens_v2 (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('reader', 'reviewer', 'editor', 'approver', 'admin')),
        secret_hash   TEXT NOT NULL UNIQUE,
        prefix        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        revoked_at    TEXT,
        last_used_at  TEXT
    );
    INSERT INTO token_tokens_v2 (id, name, role, secret_hash, prefix, created_at, revoked_at, last_used_at)
        SELECT id, name, role, secret_hash, prefix, created_at, revoked_at, last_used_at FROM token_tokens;
    DROP TABLE token_tokens;
    ALTER TABLE token_tokens_v2 RENAME TO token_tokens
    """,
]

SAMPLE_MIGRATIONS = [
    """
    CREATE TABLE sample_texts (
        id        INTEGER PRIMARY KEY,
        kind      TEXT NOT NULL,
        text      TEXT NOT NULL,
        seen      INTEGER NOT NULL DEFAULT 1,
        last_seen TEXT NOT NULL,
        UNIQUE (kind, text)
    );
    CREATE INDEX sample_texts_recent ON sample_texts(kind, last_seen)
    """,
]
