/* The compile's bulk loops in C (plugin.matching.native_build holds the pure-Python twins that give
 * identical results, and chooses between them). Scan-time loops live in cloops.c.
 *
 *   reading_rows(text, ends, kinds, entries, eligible, wanted, choices, width, max_keys, pid_bits)
 *       -> (rows, prefixes)
 *       The other readings of every pattern that takes part in the pinyin pass (its kind is one of the
 *       bytes of ``wanted`` and ``eligible[entries[pid]]`` is set; ``text`` / ``ends``: the patterns'
 *       dense texts, plugin.matching.model.PatternTexts; patterns from 1 << pid_bits on are left
 *       out). ``choices`` maps every character of such a pattern to its encoded readings (the table
 *       reading first). For each pattern with a character of two or more readings: the rows
 *       (crc << pid_bits | pid; crc: zlib.crc32 of the key's UTF-16-BE bytes) of its reading
 *       combinations after the first, in itertools.product order, at most ``max_keys - 1``; and
 *       the crc of each prefix at a class edge (``width`` code points a class) from the first
 *       differing class on. ``rows``: native uint64, sorted; ``prefixes``: native uint32, sorted,
 *       each once.
 *
 *   add_keys(add, text, ends, pids) -> groups
 *       Key i is ``text[ends[i - 1]:ends[i]]`` (uint32 ends), for pattern ``pids[i]`` (int32). Every
 *       distinct key is added once by calling ``add(key, value)`` (the automaton's add_word): the
 *       value is the key's pattern when one pattern has it, else ``-g - 1`` where ``groups[g]`` is the
 *       tuple of its patterns in order of occurrence (each once); groups are numbered in the order
 *       their second pattern arrives. Keys are added by the rank of their first letter (letters of
 *       the BMP ranked by how often they occur in ``text``, most often first, ties by code point;
 *       an empty key first, a first letter beyond the BMP last), keys of one rank in the order of
 *       their first occurrence: a trie node keeps its children in the order they were added and is
 *       searched linearly, so the root's thousands of children are met most frequent first.
 *
 *   initials_index(initials, ends, block, min_syllables, not_initial) -> (eligible, crcs, forms)
 *       Form k is ``initials[ends[k - 1]:ends[k]]`` (a term written as its pinyin initials: a letter
 *       a-z per character with a syllable). ``eligible``: one byte per form, 1 when it has two or
 *       more letters; for the forms with at least ``min_syllables`` letters, ``block[k]`` set and no
 *       ``not_initial`` character, the CRC-32 of the form (ASCII, other characters as "?"), sorted
 *       (native uint32), and the form of each (native int32; forms of one CRC in order).
 *
 *   shape_rows(d, table, want_shape, verified, max_variants) -> (flags, keys)
 *       One term's key ``d`` read once: flags bit 1 when ``want_shape`` and a character of ``d`` has an entry
 *       in ``table`` (65,536 items, per BMP code point None or a tuple of (alike, same_class)), bit 2 when
 *       ``d`` holds an ASCII digit; ``keys``: unless ``verified`` (the scan verifies alikes on the term's own
 *       key), ``d`` with one character replaced by an alike, in order, at most ``max_variants``.
 *
 *   letter_patterns(text, ends) -> bytes
 *       The patterns whose text (pattern i: ``text[ends[i - 1]:ends[i]]``, uint32 ends) holds a Latin
 *       letter a-z, in order, as native int32 (the Latin-repeat keys' patterns).
 *
 *   word_rows(entries, terms, own, start, table, term_kind, homophone_flag, shape_flag)
 *       -> (stop, entry, kind, flags, dense)
 *       The pattern rows of the plain word entries from ``start`` on, up to the first entry that is
 *       not plain (``stop``; the caller's loop adds that one): plain is ``own[i]`` 0, no ``regex``,
 *       no ``variants``, and a term key (``terms[i]``) that is not empty and holds no sentence end
 *       (U+0000) and no digit. Per entry, its term row (``term_kind``; flags ``homophone_flag``
 *       when its techniques hold "homophone" and it is no allow entry, ``shape_flag`` when it is
 *       shaped and no allow entry; its shape-alikes are verified on this row). Shaped: ``table``
 *       (shape_rows) is not None, its techniques hold "shape", a character has an item in it. Rows as
 *       native int32 entries, kind and flag bytes, and the list of their dense texts.
 *
 *   entry_flags(entries) -> bytes
 *       One byte per entry: 1 action "allow", 2 action "block", 4 a pattern (``regex``), 8 / 16 / 32 its
 *       techniques hold "pinyin" / "split" / "homophone", 64 it has ``variants``.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "crc16be.h"

#define N_BMP 65536

/* A growable vector of fixed-size items (``first``: the capacity it starts with). */
typedef struct {
    char *data;
    Py_ssize_t len, cap, item, first;
} Vec;

static int
vec_push(Vec *v, const void *value)
{
    if (v->len == v->cap) {
        Py_ssize_t cap = v->cap ? v->cap * 2 : v->first;
        char *data = PyMem_Realloc(v->data, (size_t)cap * (size_t)v->item);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        v->data = data;
        v->cap = cap;
    }
    memcpy(v->data + v->len * v->item, value, (size_t)v->item);
    v->len++;
    return 0;
}

/* LSD radix sort of ``n`` unsigned integers of ``width`` bytes (4 or 8), a byte a pass. */
static int
radix_sort(void *data, Py_ssize_t n, int width)
{
    char *a = data, *b;
    Py_ssize_t count[256], i;
    int pass;
    if (n < 2)
        return 0;
    b = PyMem_Malloc((size_t)n * (size_t)width);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (pass = 0; pass < width; pass++) {
        int shift = pass * 8;
        Py_ssize_t sum = 0;
        char *tmp;
        memset(count, 0, sizeof(count));
        for (i = 0; i < n; i++) {
            uint64_t x = width == 8 ? ((uint64_t *)a)[i] : ((uint32_t *)a)[i];
            count[(x >> shift) & 0xFF]++;
        }
        {
            uint64_t x0 = width == 8 ? ((uint64_t *)a)[0] : ((uint32_t *)a)[0];
            if (count[(x0 >> shift) & 0xFF] == n)  /* (every value has this byte: nothing moves) */
                continue;
        }
        for (i = 0; i < 256; i++) {
            Py_ssize_t c = count[i];
            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++) {
            if (width == 8) {
                uint64_t x = ((uint64_t *)a)[i];
                ((uint64_t *)b)[count[(x >> shift) & 0xFF]++] = x;
            } else {
                uint32_t x = ((uint32_t *)a)[i];
                ((uint32_t *)b)[count[(x >> shift) & 0xFF]++] = x;
            }
        }
        tmp = a;
        a = b;
        b = tmp;
    }
    if (a != (char *)data) {  /* an odd number of passes moved: the result is in the scratch buffer */
        memcpy(data, a, (size_t)n * (size_t)width);
        PyMem_Free(a);
    } else {
        PyMem_Free(b);
    }
    return 0;
}

/* The encoded readings of one character. */
typedef struct {
    Py_ssize_t n;       /* how many readings */
    Py_ssize_t *start;  /* reading r is units[start[r]:start[r + 1]] */
    Py_UCS4 *units;
} Choice;

static void
free_choices(Choice **table)
{
    Py_ssize_t i;
    if (table == NULL)
        return;
    for (i = 0; i < N_BMP; i++)
        if (table[i] != NULL) {
            PyMem_Free(table[i]->start);
            PyMem_Free(table[i]->units);
            PyMem_Free(table[i]);
        }
    PyMem_Free(table);
}

/* ``choices`` (one-character str -> non-empty tuple of str) as a table indexed by code point. */
static Choice **
read_choices(PyObject *choices)
{
    Choice **table = PyMem_Calloc(N_BMP, sizeof(Choice *));
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    if (table == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    while (PyDict_Next(choices, &pos, &key, &value)) {
        Py_ssize_t r, n, total = 0;
        Py_UCS4 ch;
        Choice *c;
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) != 1 || (ch = PyUnicode_READ_CHAR(key, 0)) >= N_BMP
                || !PyTuple_Check(value) || PyTuple_GET_SIZE(value) == 0) {
            PyErr_SetString(PyExc_ValueError, "choices must map BMP characters to non-empty tuples of str");
            goto fail;
        }
        n = PyTuple_GET_SIZE(value);
        for (r = 0; r < n; r++) {
            PyObject *s = PyTuple_GET_ITEM(value, r);
            if (!PyUnicode_Check(s)) {
                PyErr_SetString(PyExc_ValueError, "choices must map BMP characters to non-empty tuples of str");
                goto fail;
            }
            total += PyUnicode_GET_LENGTH(s);
        }
        c = PyMem_Calloc(1, sizeof(Choice));
        if (c == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        table[ch] = c;
        c->n = n;
        c->start = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
        c->units = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(total ? total : 1));
        if (c->start == NULL || c->units == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        total = 0;
        for (r = 0; r < n; r++) {
            PyObject *s = PyTuple_GET_ITEM(value, r);
            c->start[r] = total;
            if (PyUnicode_GET_LENGTH(s) && PyUnicode_AsUCS4(s, c->units + total, PyUnicode_GET_LENGTH(s), 0) == NULL)
                goto fail;
            total += PyUnicode_GET_LENGTH(s);
        }
        c->start[n] = total;
    }
    return table;
fail:
    free_choices(table);
    return NULL;
}

static int
same_reading(const Choice *c, Py_ssize_t r)
{
    Py_ssize_t len0 = c->start[1] - c->start[0], len = c->start[r + 1] - c->start[r];
    return len == len0 && memcmp(c->units + c->start[r], c->units, sizeof(Py_UCS4) * (size_t)len) == 0;
}

static PyObject *
reading_rows(PyObject *self, PyObject *args)
{
    PyObject *text, *choices, *result = NULL;
    Py_buffer ends = {0}, kinds = {0}, entries = {0}, eligible = {0}, wanted = {0};
    Py_ssize_t width, max_keys, pid_bits, n_pats, pid, key_cap = 0, L_cap = 0;
    Choice **table = NULL;
    const Choice **parts = NULL;
    Py_ssize_t *idx = NULL;
    Py_UCS4 *key = NULL;
    uint32_t *crc_at = NULL;
    Vec rows = {NULL, 0, 0, 8, 4096}, prefixes = {NULL, 0, 0, 4, 4096};
    int kind;
    void *data;

    if (!PyArg_ParseTuple(args, "Uy*y*y*y*y*O!nnn:reading_rows", &text, &ends, &kinds, &entries, &eligible, &wanted,
                          &PyDict_Type, &choices, &width, &max_keys, &pid_bits))
        return NULL;
    n_pats = ends.len / 4;
    if (ends.len % 4 || entries.len % 4 || kinds.len != n_pats || entries.len / 4 != n_pats
            || pid_bits < 0 || pid_bits > 32 || width < 1 || max_keys < 1) {
        PyErr_SetString(PyExc_ValueError, "ends (uint32), kinds and entries (int32) must have one item per pattern; "
                        "pid_bits 0-32, width and max_keys >= 1");
        goto done;
    }
    table = read_choices(choices);
    if (table == NULL)
        goto done;
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    for (pid = 0; pid < n_pats && pid < ((Py_ssize_t)1 << pid_bits); pid++) {
        const uint32_t *end_of = ends.buf;
        Py_ssize_t start = pid ? end_of[pid - 1] : 0, end = end_of[pid], L = end - start, k, made = 0;
        int32_t entry = ((const int32_t *)entries.buf)[pid];
        int several = 0;
        if (memchr(wanted.buf, ((const unsigned char *)kinds.buf)[pid], (size_t)wanted.len) == NULL)
            continue;
        if (entry < 0 || entry >= eligible.len || start > end || end > PyUnicode_GET_LENGTH(text)) {
            PyErr_SetString(PyExc_ValueError, "a pattern's entry or text is out of range");
            goto done;
        }
        if (!((const unsigned char *)eligible.buf)[entry])
            continue;
        if (L > L_cap) {
            PyMem_Free(parts);
            PyMem_Free(idx);
            L_cap = L * 2;
            parts = PyMem_Malloc(sizeof(Choice *) * (size_t)L_cap);
            idx = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)L_cap);
            if (parts == NULL || idx == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
        for (k = 0; k < L; k++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, start + k);
            const Choice *c = ch < N_BMP ? table[ch] : NULL;
            if (c == NULL) {
                PyErr_Format(PyExc_KeyError, "no readings for U+%04X", (unsigned int)ch);
                goto done;
            }
            parts[k] = c;
            idx[k] = 0;
            several |= c->n > 1;
        }
        if (!several)
            continue;
        for (;;) {
            Py_ssize_t pos = L - 1, total = 0, first = -1, i;
            uint32_t crc = 0xFFFFFFFFu;
            uint64_t row;
            while (pos >= 0) {  /* the next combination in itertools.product order (the first is skipped) */
                if (++idx[pos] < parts[pos]->n)
                    break;
                idx[pos] = 0;
                pos--;
            }
            if (pos < 0 || made >= max_keys - 1)
                break;
            made++;
            for (k = 0; k < L; k++) {
                const Choice *c = parts[k];
                Py_ssize_t len = c->start[idx[k] + 1] - c->start[idx[k]];
                if (total + len > key_cap) {
                    Py_UCS4 *grown;
                    key_cap = (total + len) * 2 + 16;
                    grown = PyMem_Realloc(key, sizeof(Py_UCS4) * (size_t)key_cap);
                    PyMem_Free(crc_at);
                    crc_at = PyMem_Malloc(sizeof(uint32_t) * (size_t)(key_cap + 1));
                    if (grown == NULL || crc_at == NULL) {
                        PyErr_NoMemory();
                        goto done;  /* (key, still the old buffer when the realloc failed, is freed there) */
                    }
                    key = grown;
                }
                if (len > 0)
                    memcpy(key + total, c->units + c->start[idx[k]], sizeof(Py_UCS4) * (size_t)len);
                total += len;
                if (first < 0 && !same_reading(c, idx[k]))
                    first = k;
            }
            if (first < 0) {
                PyErr_SetString(PyExc_ValueError, "a reading combination equals the table reading");
                goto done;
            }
            crc_at[0] = 0;
            for (i = 0; i < total; i++) {
                crc = crc_code_point(crc, key[i]);
                crc_at[i + 1] = crc ^ 0xFFFFFFFFu;
            }
            row = ((uint64_t)crc_at[total] << pid_bits) | (uint64_t)pid;
            if (vec_push(&rows, &row) < 0)
                goto done;
            for (k = first + 1; k < L; k++) {  /* prefixes at class edges (key[:k * width]) */
                Py_ssize_t cut = k * width < total ? k * width : total;
                if (vec_push(&prefixes, &crc_at[cut]) < 0)
                    goto done;
            }
        }
    }
    if (radix_sort(rows.data, rows.len, 8) < 0 || radix_sort(prefixes.data, prefixes.len, 4) < 0)
        goto done;
    {
        Py_ssize_t i, n = 0;
        uint32_t *p = (uint32_t *)prefixes.data;
        for (i = 0; i < prefixes.len; i++)
            if (n == 0 || p[i] != p[n - 1])
                p[n++] = p[i];
        prefixes.len = n;
    }
    {
        PyObject *r = PyBytes_FromStringAndSize(rows.data, rows.len * 8), *p;
        if (r == NULL)
            goto done;
        p = PyBytes_FromStringAndSize(prefixes.data, prefixes.len * 4);
        if (p == NULL) {
            Py_DECREF(r);
            goto done;
        }
        result = PyTuple_Pack(2, r, p);
        Py_DECREF(r);
        Py_DECREF(p);
    }
done:
    PyBuffer_Release(&ends);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&entries);
    PyBuffer_Release(&eligible);
    PyBuffer_Release(&wanted);
    free_choices(table);
    PyMem_Free(parts);
    PyMem_Free(idx);
    PyMem_Free(key);
    PyMem_Free(crc_at);
    PyMem_Free(rows.data);
    PyMem_Free(prefixes.data);
    return result;
}


/* One slot of add_keys' hash table: the first occurrence of a key and its value so far. */
typedef struct {
    int32_t first;  /* key index of the first occurrence, -1 for an empty slot */
    int32_t value;  /* pattern id (>= 0) or -group - 1 */
    uint32_t hash;
} KeySlot;

static uint32_t
slice_hash(int kind, const char *data, Py_ssize_t start, Py_ssize_t len)
{
    uint32_t h = 2166136261u;  /* FNV-1a over the slice's bytes */
    const unsigned char *p = (const unsigned char *)data + start * kind;
    Py_ssize_t i, n = len * kind;
    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Indices 0..n-1 of the keys (key i is text[ends[i - 1]:ends[i]]) in a stable order by the rank of
 * their first letter: BMP letters by how often they occur in the whole text (most first, ties by code
 * point), an empty key before all, a letter beyond the BMP after all. PyMem_Malloc'd (NULL and an
 * exception set on failure). */
static int32_t *
first_letter_order(int kind, const void *data, const uint32_t *end_of, Py_ssize_t n)
{
    uint32_t *counts = PyMem_Calloc(N_BMP, sizeof(uint32_t));
    uint64_t *letters = PyMem_Malloc(N_BMP * sizeof(uint64_t));  /* (UINT32_MAX - count) << 32 | code */
    uint32_t *rank = PyMem_Malloc(N_BMP * sizeof(uint32_t));
    Py_ssize_t *start_of = PyMem_Calloc(N_BMP + 3, sizeof(Py_ssize_t));  /* per bucket: where it starts */
    int32_t *order = PyMem_Malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
    Py_ssize_t total = n ? (Py_ssize_t)end_of[n - 1] : 0, i, used = 0;
    uint32_t c;
    if (counts == NULL || letters == NULL || rank == NULL || start_of == NULL || order == NULL) {
        PyErr_NoMemory();
        PyMem_Free(order);
        order = NULL;
        goto done;
    }
    for (i = 0; i < total; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < N_BMP && counts[ch] < UINT32_MAX)
            counts[ch]++;
    }
    for (c = 0; c < N_BMP; c++)
        if (counts[c])
            letters[used++] = (uint64_t)(UINT32_MAX - counts[c]) << 32 | c;
    if (radix_sort(letters, used, 8) < 0) {
        PyMem_Free(order);
        order = NULL;
        goto done;
    }
    for (i = 0; i < used; i++)
        rank[(uint32_t)letters[i]] = (uint32_t)i + 1;  /* bucket 0: the empty key; used + 1: beyond the BMP */
    for (i = 0; i < n; i++) {  /* a counting sort: bucket sizes, then starts, then the keys in order */
        Py_ssize_t start = i ? end_of[i - 1] : 0;
        Py_UCS4 first = (Py_ssize_t)end_of[i] > start ? PyUnicode_READ(kind, data, start) : 0;
        Py_ssize_t b = (Py_ssize_t)end_of[i] == start ? 0 : first < N_BMP ? (Py_ssize_t)rank[first] : used + 1;
        start_of[b + 1]++;
    }
    for (i = 1; i <= used + 1; i++)
        start_of[i] += start_of[i - 1];
    for (i = 0; i < n; i++) {
        Py_ssize_t start = i ? end_of[i - 1] : 0;
        Py_UCS4 first = (Py_ssize_t)end_of[i] > start ? PyUnicode_READ(kind, data, start) : 0;
        Py_ssize_t b = (Py_ssize_t)end_of[i] == start ? 0 : first < N_BMP ? (Py_ssize_t)rank[first] : used + 1;
        order[start_of[b]++] = (int32_t)i;
    }
done:
    PyMem_Free(counts);
    PyMem_Free(letters);
    PyMem_Free(rank);
    PyMem_Free(start_of);
    return order;
}

static PyObject *
add_keys(PyObject *self, PyObject *args)
{
    PyObject *add, *text, *groups = NULL, *result = NULL;
    Py_buffer ends = {0}, pids = {0};
    Py_ssize_t n, i, cap, mask, n_groups = 0;
    KeySlot *slots = NULL;
    int32_t *order = NULL;
    Py_ssize_t o;
    Vec *members = NULL;  /* per group: its pattern ids (int32) */
    Py_ssize_t members_cap = 0;
    int kind;
    const char *data;
    const uint32_t *end_of;
    const int32_t *pid_of;

    if (!PyArg_ParseTuple(args, "OUy*y*:add_keys", &add, &text, &ends, &pids))
        return NULL;
    n = ends.len / 4;
    if (ends.len % 4 || pids.len != ends.len || !PyCallable_Check(add) || n > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "add must be callable; ends (uint32) and pids (int32) one item per key");
        goto done;
    }
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    end_of = ends.buf;
    pid_of = pids.buf;
    for (cap = 16; cap < 2 * n; cap <<= 1)
        ;
    mask = cap - 1;
    slots = PyMem_Malloc(sizeof(KeySlot) * (size_t)cap);
    if (slots == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < cap; i++)
        slots[i].first = -1;
    for (i = 0; i < n; i++) {
        Py_ssize_t start = i ? end_of[i - 1] : 0, len = (Py_ssize_t)end_of[i] - start, k;
        int32_t pid = pid_of[i];
        uint32_t h;
        KeySlot *slot;
        if (start > (Py_ssize_t)end_of[i] || end_of[i] > PyUnicode_GET_LENGTH(text) || pid < 0) {
            PyErr_SetString(PyExc_ValueError, "ends must ascend within text and pids be >= 0");
            goto done;
        }
        h = slice_hash(kind, data, start, len);
        for (k = h & mask;; k = (k + 1) & mask) {
            slot = &slots[k];
            if (slot->first < 0)
                break;
            if (slot->hash == h) {
                Py_ssize_t f = slot->first, fs = f ? end_of[f - 1] : 0;
                if ((Py_ssize_t)end_of[f] - fs == len && memcmp(data + fs * kind, data + start * kind, (size_t)(len * kind)) == 0)
                    break;
            }
        }
        if (slot->first < 0) {
            slot->first = (int32_t)i;
            slot->value = pid;
            slot->hash = h;
        } else if (slot->value >= 0) {
            if (slot->value != pid) {  /* a second pattern: a new group */
                int32_t a = (int32_t)slot->value;
                if (n_groups == members_cap) {
                    Vec *grown;
                    members_cap = members_cap ? members_cap * 2 : 256;
                    grown = PyMem_Realloc(members, sizeof(Vec) * (size_t)members_cap);
                    if (grown == NULL) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    members = grown;
                }
                members[n_groups].data = NULL;
                members[n_groups].len = members[n_groups].cap = 0;
                members[n_groups].item = 4;
                members[n_groups].first = 4;  /* (a group has a few patterns) */
                n_groups++;
                if (vec_push(&members[n_groups - 1], &a) < 0 || vec_push(&members[n_groups - 1], &pid) < 0)
                    goto done;
                slot->value = (int32_t)-n_groups;
            }
        } else {
            Vec *g = &members[-slot->value - 1];
            Py_ssize_t j;
            for (j = 0; j < g->len; j++)
                if (((int32_t *)g->data)[j] == pid)
                    break;
            if (j == g->len && vec_push(g, &pid) < 0)
                goto done;
        }
    }
    groups = PyList_New(n_groups);
    if (groups == NULL)
        goto done;
    for (i = 0; i < n_groups; i++) {
        PyObject *t = PyTuple_New(members[i].len);
        Py_ssize_t j;
        if (t == NULL)
            goto done;
        PyList_SET_ITEM(groups, i, t);
        for (j = 0; j < members[i].len; j++) {
            PyObject *v = PyLong_FromLong(((int32_t *)members[i].data)[j]);
            if (v == NULL)
                goto done;
            PyTuple_SET_ITEM(t, j, v);
        }
    }
    order = first_letter_order(kind, data, end_of, n);
    if (order == NULL)
        goto done;
    for (o = 0; o < n; o++) {  /* each key once, by the rank of its first letter */
        Py_ssize_t i = order[o], start = i ? end_of[i - 1] : 0, k;
        uint32_t h = slice_hash(kind, data, start, (Py_ssize_t)end_of[i] - start);
        KeySlot *slot;
        PyObject *key, *value, *r;
        for (k = h & mask;; k = (k + 1) & mask) {
            slot = &slots[k];
            if (slot->first == i || slot->first < 0)
                break;
        }
        if (slot->first != i)
            continue;  /* a later occurrence */
        key = PyUnicode_Substring(text, start, end_of[i]);
        value = PyLong_FromSsize_t(slot->value);
        if (key == NULL || value == NULL) {
            Py_XDECREF(key);
            Py_XDECREF(value);
            goto done;
        }
        r = PyObject_CallFunctionObjArgs(add, key, value, NULL);
        Py_DECREF(key);
        Py_DECREF(value);
        if (r == NULL)
            goto done;
        Py_DECREF(r);
    }
    result = groups;
    groups = NULL;
done:
    PyBuffer_Release(&ends);
    PyBuffer_Release(&pids);
    PyMem_Free(slots);
    PyMem_Free(order);
    if (members != NULL) {
        for (i = 0; i < n_groups; i++)
            PyMem_Free(members[i].data);
        PyMem_Free(members);
    }
    Py_XDECREF(groups);
    return result;
}

static PyObject *
initials_index(PyObject *self, PyObject *args)
{
    PyObject *initials, *eligible = NULL, *result = NULL;
    Py_buffer ends = {0}, block = {0};
    Py_ssize_t min_syllables, n, k, start = 0;
    Py_UCS4 not_initial;
    int kind;
    const void *data;
    Vec pairs = {NULL, 0, 0, 8, 4096};
    char *ok;

    if (!PyArg_ParseTuple(args, "Uy*y*nC:initials_index", &initials, &ends, &block, &min_syllables, &not_initial))
        return NULL;
    n = ends.len / 4;
    if (ends.len % 4 || block.len != n || n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "ends (uint32) and block must have one item per form");
        goto done;
    }
    eligible = PyBytes_FromStringAndSize(NULL, n);
    if (eligible == NULL)
        goto done;
    ok = PyBytes_AS_STRING(eligible);
    kind = PyUnicode_KIND(initials);
    data = PyUnicode_DATA(initials);
    for (k = 0; k < n; k++) {
        Py_ssize_t end = ((const uint32_t *)ends.buf)[k], i, letters = 0;
        int other = 0;
        if (end < start || end > PyUnicode_GET_LENGTH(initials)) {
            PyErr_SetString(PyExc_ValueError, "ends must ascend within initials");
            goto done;
        }
        for (i = start; i < end; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c >= 'a' && c <= 'z')
                letters++;
            else if (c == not_initial)
                other = 1;
        }
        ok[k] = letters >= 2;
        if (letters >= 2 && letters >= min_syllables && ((const char *)block.buf)[k] && !other) {
            uint32_t crc = 0xFFFFFFFFu;
            uint64_t pair;
            for (i = start; i < end; i++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                crc = crc_byte(crc, (uint8_t)(c < 128 ? c : '?'));
            }
            pair = ((uint64_t)(crc ^ 0xFFFFFFFFu) << 32) | (uint64_t)k;
            if (vec_push(&pairs, &pair) < 0)
                goto done;
        }
        start = end;
    }
    if (radix_sort(pairs.data, pairs.len, 8) < 0)
        goto done;
    {
        PyObject *crcs = PyBytes_FromStringAndSize(NULL, pairs.len * 4), *forms;
        Py_ssize_t j;
        if (crcs == NULL)
            goto done;
        forms = PyBytes_FromStringAndSize(NULL, pairs.len * 4);
        if (forms == NULL) {
            Py_DECREF(crcs);
            goto done;
        }
        for (j = 0; j < pairs.len; j++) {
            uint64_t pair = ((uint64_t *)pairs.data)[j];
            ((uint32_t *)PyBytes_AS_STRING(crcs))[j] = (uint32_t)(pair >> 32);
            ((int32_t *)PyBytes_AS_STRING(forms))[j] = (int32_t)(pair & 0xFFFFFFFFu);
        }
        result = Py_BuildValue("(ONN)", eligible, crcs, forms);
    }
done:
    PyBuffer_Release(&ends);
    PyBuffer_Release(&block);
    PyMem_Free(pairs.data);
    Py_XDECREF(eligible);
    return result;
}

/* Append to ``keys`` the key ``d`` with one character replaced by an alike (``table``: per BMP code point
 * None or a tuple of (alike, same_class) pairs), in order, at most ``max_variants``. Returns -1 on error. */
static int
append_shape_keys(PyObject *keys, PyObject *d, PyObject *table, Py_ssize_t max_variants)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(d), pos, count = 0;
    int kind = PyUnicode_KIND(d);
    const void *data = PyUnicode_DATA(d);
    for (pos = 0; pos < n && count < max_variants; pos++) {
        Py_UCS4 cp = PyUnicode_READ(kind, data, pos);
        PyObject *alts;
        Py_ssize_t k;
        if (cp >= N_BMP)
            continue;
        alts = PyList_GET_ITEM(table, cp);
        if (alts == Py_None)
            continue;
        if (!PyTuple_Check(alts)) {
            PyErr_SetString(PyExc_TypeError, "alike table items are None or tuples");
            return -1;
        }
        for (k = 0; k < PyTuple_GET_SIZE(alts) && count < max_variants; k++) {
            PyObject *pair = PyTuple_GET_ITEM(alts, k), *left, *right, *mid, *key;
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0))) {
                PyErr_SetString(PyExc_TypeError, "alikes are (str, bool) pairs");
                return -1;
            }
            count++;
            left = PyUnicode_Substring(d, 0, pos);
            if (left == NULL)
                return -1;
            mid = PyUnicode_Concat(left, PyTuple_GET_ITEM(pair, 0));
            Py_DECREF(left);
            if (mid == NULL)
                return -1;
            right = PyUnicode_Substring(d, pos + 1, n);
            if (right == NULL) {
                Py_DECREF(mid);
                return -1;
            }
            key = PyUnicode_Concat(mid, right);
            Py_DECREF(mid);
            Py_DECREF(right);
            if (key == NULL)
                return -1;
            if (PyList_Append(keys, key) < 0) {
                Py_DECREF(key);
                return -1;
            }
            Py_DECREF(key);
        }
    }
    return 0;
}

/* Whether the frozenset (or any container) ``techniques`` holds ``name``; -1 on error. */
static int
has_technique(PyObject *techniques, PyObject *name)
{
    return PySequence_Contains(techniques, name);
}

static PyObject *
word_rows(PyObject *self, PyObject *args)
{
    PyObject *entries, *terms, *table, *out = NULL, *dense = NULL;
    PyObject *s_regex, *s_variants, *s_action, *s_techniques, *s_homophone, *s_shape, *s_allow;
    Py_buffer own = {0};
    Vec rows_entry = {NULL, 0, 0, sizeof(int32_t), 1024};
    Vec rows_kind = {NULL, 0, 0, 1, 1024}, rows_flags = {NULL, 0, 0, 1, 1024};
    Py_ssize_t start, n, i;
    int term_kind, homophone_flag, shape_flag;

    if (!PyArg_ParseTuple(args, "O!O!y*nOiii:word_rows", &PyTuple_Type, &entries, &PyList_Type, &terms, &own, &start,
                          &table, &term_kind, &homophone_flag, &shape_flag))
        return NULL;
    n = PyTuple_GET_SIZE(entries);
    if (PyList_GET_SIZE(terms) != n || own.len != n || start < 0 || start > n
            || (table != Py_None && (!PyList_Check(table) || PyList_GET_SIZE(table) != N_BMP))) {
        PyErr_SetString(PyExc_ValueError, "one term and one own byte per entry, start within them, "
                                          "the alike table None or one item per BMP code point");
        PyBuffer_Release(&own);
        return NULL;
    }
    s_regex = PyUnicode_InternFromString("regex");
    s_variants = PyUnicode_InternFromString("variants");
    s_action = PyUnicode_InternFromString("action");
    s_techniques = PyUnicode_InternFromString("techniques");
    s_homophone = PyUnicode_InternFromString("homophone");
    s_shape = PyUnicode_InternFromString("shape");
    s_allow = PyUnicode_InternFromString("allow");
    dense = PyList_New(0);
    if (!s_regex || !s_variants || !s_action || !s_techniques || !s_homophone || !s_shape || !s_allow || !dense)
        goto done;
    for (i = start; i < n; i++) {
        PyObject *e = PyTuple_GET_ITEM(entries, i), *d = PyList_GET_ITEM(terms, i), *v;
        Py_ssize_t len, pos;
        int allow, homo = 0, want = 0, truth, kind, stop = 0, shaped = 0;
        const void *data;
        int32_t entry = (int32_t)i;
        uint8_t flags;
        if (((const uint8_t *)own.buf)[i] || !PyUnicode_Check(d) || (len = PyUnicode_GET_LENGTH(d)) == 0)
            break;
        v = PyObject_GetAttr(e, s_regex);
        if (v == NULL)
            goto done;
        truth = PyObject_IsTrue(v);
        Py_DECREF(v);
        if (truth != 0)
            goto stop_or_fail;
        v = PyObject_GetAttr(e, s_variants);
        if (v == NULL)
            goto done;
        truth = PyObject_IsTrue(v);
        Py_DECREF(v);
        if (truth != 0)
            goto stop_or_fail;
        kind = PyUnicode_KIND(d);
        data = PyUnicode_DATA(d);
        for (pos = 0; pos < len; pos++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, pos);
            if (cp == 0 || (cp >= '0' && cp <= '9'))
                stop = 1;  /* a sentence end or a digit: the caller's loop */
        }
        if (stop)
            break;
        v = PyObject_GetAttr(e, s_action);
        if (v == NULL)
            goto done;
        allow = PyUnicode_Check(v) && PyUnicode_Compare(v, s_allow) == 0;
        Py_DECREF(v);
        v = PyObject_GetAttr(e, s_techniques);
        if (v == NULL)
            goto done;
        if (!allow && (homo = has_technique(v, s_homophone)) < 0) {
            Py_DECREF(v);
            goto done;
        }
        if (table != Py_None && (want = has_technique(v, s_shape)) < 0) {
            Py_DECREF(v);
            goto done;
        }
        Py_DECREF(v);
        for (pos = 0; want && !shaped && pos < len; pos++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, pos);
            if (cp < N_BMP && PyList_GET_ITEM(table, cp) != Py_None)
                shaped = 1;
        }
        flags = (uint8_t)((homo ? homophone_flag : 0) | (shaped && !allow ? shape_flag : 0));
        if (vec_push(&rows_entry, &entry) < 0 || vec_push(&rows_kind, &(uint8_t){(uint8_t)term_kind}) < 0
                || vec_push(&rows_flags, &flags) < 0 || PyList_Append(dense, d) < 0)
            goto done;
        continue;
stop_or_fail:
        if (truth < 0)
            goto done;
        break;
    }
    out = Py_BuildValue("(ny#y#y#O)", i, rows_entry.data ? rows_entry.data : "", rows_entry.len * rows_entry.item,
                        rows_kind.data ? rows_kind.data : "", rows_kind.len, rows_flags.data ? rows_flags.data : "",
                        rows_flags.len, dense);
done:
    PyBuffer_Release(&own);
    PyMem_Free(rows_entry.data);
    PyMem_Free(rows_kind.data);
    PyMem_Free(rows_flags.data);
    Py_XDECREF(dense);
    Py_XDECREF(s_regex);
    Py_XDECREF(s_variants);
    Py_XDECREF(s_action);
    Py_XDECREF(s_techniques);
    Py_XDECREF(s_homophone);
    Py_XDECREF(s_shape);
    Py_XDECREF(s_allow);
    return out;
}

static PyObject *
shape_rows(PyObject *self, PyObject *args)
{
    PyObject *d, *table, *keys = NULL, *out;
    int want, verified, kind;
    Py_ssize_t max_variants, n, pos;
    long flags = 0;
    const void *data;

    if (!PyArg_ParseTuple(args, "UO!ppn:shape_rows", &d, &PyList_Type, &table, &want, &verified, &max_variants))
        return NULL;
    if (PyList_GET_SIZE(table) != N_BMP) {
        PyErr_SetString(PyExc_ValueError, "the alike table has one item per BMP code point");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(d);
    kind = PyUnicode_KIND(d);
    data = PyUnicode_DATA(d);
    for (pos = 0; pos < n; pos++) {
        Py_UCS4 cp = PyUnicode_READ(kind, data, pos);
        if (cp >= '0' && cp <= '9')
            flags |= 2;
        if (want && cp < N_BMP && PyList_GET_ITEM(table, cp) != Py_None)
            flags |= 1;
    }
    keys = PyList_New(0);
    if (keys == NULL)
        return NULL;
    if ((flags & 1) && !verified && append_shape_keys(keys, d, table, max_variants) < 0)
        goto fail;
    out = Py_BuildValue("(lN)", flags, keys);
    return out;
fail:
    Py_XDECREF(keys);
    return NULL;
}

static PyObject *
letter_patterns(PyObject *self, PyObject *args)
{
    PyObject *text, *out = NULL;
    Py_buffer ends = {0};
    Vec found = {NULL, 0, 0, sizeof(int32_t), 256};
    Py_ssize_t n, i, start = 0, length;
    int kind;
    const void *data;
    const uint32_t *end_of;

    if (!PyArg_ParseTuple(args, "Uy*:letter_patterns", &text, &ends))
        return NULL;
    n = ends.len / 4;
    if (ends.len % 4 || n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "ends must be uint32, one per pattern");
        goto done;
    }
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    length = PyUnicode_GET_LENGTH(text);
    end_of = ends.buf;
    for (i = 0; i < n; i++) {
        Py_ssize_t end = end_of[i], k;
        if (end < start || end > length) {
            PyErr_SetString(PyExc_ValueError, "ends must ascend within text");
            goto done;
        }
        for (k = start; k < end; k++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, k);
            if (ch >= 'a' && ch <= 'z') {
                int32_t pid = (int32_t)i;
                if (vec_push(&found, &pid) < 0)
                    goto done;
                break;
            }
        }
        start = end;
    }
    out = PyBytes_FromStringAndSize(found.data, found.len * found.item);
done:
    PyBuffer_Release(&ends);
    PyMem_Free(found.data);
    return out;
}

/* entry_flags: one byte per entry (bits as ENTRY_* in native_build). */

/* The truth of attribute `name` of `obj`: 1 or 0, -1 with an exception set. */
static int
attr_truth(PyObject *obj, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    int truth;
    if (v == NULL)
        return -1;
    truth = PyObject_IsTrue(v);
    Py_DECREF(v);
    return truth;
}

static PyObject *
entry_flags(PyObject *self, PyObject *args)
{
    PyObject *entries, *out = NULL, *names[5] = {NULL}, *s_allow = NULL, *s_block = NULL;
    static const char *const techniques[3] = {"pinyin", "split", "homophone"};
    Py_ssize_t n, i;
    char *buf;
    int k;

    if (!PyArg_ParseTuple(args, "O!:entry_flags", &PyTuple_Type, &entries))
        return NULL;
    n = PyTuple_GET_SIZE(entries);
    names[0] = PyUnicode_InternFromString("action");
    names[1] = PyUnicode_InternFromString("regex");
    names[2] = PyUnicode_InternFromString("techniques");
    names[3] = PyUnicode_InternFromString("variants");
    s_allow = PyUnicode_InternFromString("allow");
    s_block = PyUnicode_InternFromString("block");
    PyObject *tech[3] = {PyUnicode_InternFromString(techniques[0]), PyUnicode_InternFromString(techniques[1]),
                         PyUnicode_InternFromString(techniques[2])};
    if (!names[0] || !names[1] || !names[2] || !names[3] || !s_allow || !s_block || !tech[0] || !tech[1] || !tech[2])
        goto done;
    out = PyBytes_FromStringAndSize(NULL, n);
    if (out == NULL)
        goto done;
    buf = PyBytes_AS_STRING(out);
    for (i = 0; i < n; i++) {
        PyObject *e = PyTuple_GET_ITEM(entries, i), *v;
        int flags = 0, truth;
        v = PyObject_GetAttr(e, names[0]);
        if (v == NULL)
            goto fail;
        if (PyUnicode_Check(v) && PyUnicode_Compare(v, s_allow) == 0)
            flags |= 1;
        else if (PyUnicode_Check(v) && PyUnicode_Compare(v, s_block) == 0)
            flags |= 2;
        Py_DECREF(v);
        truth = attr_truth(e, names[1]);
        if (truth < 0)
            goto fail;
        if (truth)
            flags |= 4;
        v = PyObject_GetAttr(e, names[2]);
        if (v == NULL)
            goto fail;
        for (k = 0; k < 3; k++) {
            int has = PySequence_Contains(v, tech[k]);
            if (has < 0) {
                Py_DECREF(v);
                goto fail;
            }
            if (has)
                flags |= 8 << k;
        }
        Py_DECREF(v);
        truth = attr_truth(e, names[3]);
        if (truth < 0)
            goto fail;
        if (truth)
            flags |= 64;
        buf[i] = (char)flags;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    for (k = 0; k < 4; k++)
        Py_XDECREF(names[k]);
    for (k = 0; k < 3; k++)
        Py_XDECREF(tech[k]);
    Py_XDECREF(s_allow);
    Py_XDECREF(s_block);
    return out;
}

static PyMethodDef methods[] = {
    {"reading_rows", reading_rows, METH_VARARGS,
     "Sorted hash rows and prefix hashes of the other readings of polyphonic patterns (plugin.matching.native_build)."},
    {"add_keys", add_keys, METH_VARARGS,
     "Each distinct key added once to an automaton, patterns sharing a key as groups (plugin.matching.native_build)."},
    {"initials_index", initials_index, METH_VARARGS,
     "Which forms take part in the pinyin pass and the sorted CRC-32 of the initials of block forms (plugin.matching.native_build)."},
    {"shape_rows", shape_rows, METH_VARARGS,
     "Whether a term key holds alike characters or digits, and its shape-alike keys when unverified (plugin.matching.native_build)."},
    {"letter_patterns", letter_patterns, METH_VARARGS,
     "The patterns whose text holds a Latin letter a-z, in order (plugin.matching.native_build)."},
    {"word_rows", word_rows, METH_VARARGS,
     "The term rows of a run of plain word entries (plugin.matching.native_build)."},
    {"entry_flags", entry_flags, METH_VARARGS,
     "One byte of flags per entry: allow, block, pattern, pinyin, split, homophone, variants (plugin.matching.native_build)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "cbuild", "The matcher compile's bulk loops in C (plugin.matching.native_build).", -1, methods,
};

PyMODINIT_FUNC
PyInit_cbuild(void)
{
    init_crc_table();
    return PyModule_Create(&module);
}
